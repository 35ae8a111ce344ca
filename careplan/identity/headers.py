"""Security headers on every response, and caching only for static assets.

The header values are built and validated by `secure` (a maintained library of typed
security-header builders) once, at import. Applying them stays here, in three lines:
`Secure.set_headers` overwrites a header a handler set itself, and a handler's own value
(an embeddable page's X-Frame-Options, say) must win.
"""

from __future__ import annotations

import secure
from flask import Flask, Response

from careplan.core import unproxied

SELF = secure.ContentSecurityPolicy.keyword("self")
NONE = secure.ContentSecurityPolicy.keyword("none")

# No inline script or style anywhere: every script and stylesheet is a file of ours, so the
# policy needs no nonce.
POLICY = (
    secure.Secure(
        csp=secure.ContentSecurityPolicy()
        .default_src(SELF)
        .script_src(SELF)
        .style_src(SELF)
        .img_src(SELF, "data:")
        .font_src(SELF)
        .connect_src(SELF)
        .object_src(NONE)
        .base_uri(NONE)
        .form_action(SELF)
        .frame_ancestors(NONE),
        hsts=secure.StrictTransportSecurity().max_age(31536000).include_subdomains(),
        xfo=secure.XFrameOptions().deny(),
        xcto=secure.XContentTypeOptions().nosniff(),
        referrer=secure.ReferrerPolicy().no_referrer(),
        permissions=secure.PermissionsPolicy().camera().microphone().geolocation().payment(),
        coop=secure.CrossOriginOpenerPolicy().same_origin(),
        corp=secure.CrossOriginResourcePolicy().same_origin(),
    )
    .allowlist_headers()
    .deduplicate_headers()
    .validate_and_normalize_headers(on_invalid="raise", strict=True)
)
HEADERS = dict(POLICY.headers)

_LOWER = tuple((name.lower(), name, value) for name, value in HEADERS.items())


def add(response: Response) -> Response:
    # Those a handler has not set itself: one pass over the response's headers, not one
    # search per header (this runs on every response).
    present = {name.lower() for name, _ in response.headers}
    missing = [(name, value) for lower, name, value in _LOWER if lower not in present]
    response.headers.extend(missing)
    if unproxied.request().endpoint == "static":
        # Design system files hold no personal data: let phones cache them.
        response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def init_app(app: Flask) -> None:
    app.after_request(add)
