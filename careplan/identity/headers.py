"""Security headers on every response, and caching only for static assets."""

from __future__ import annotations

from flask import Flask, Response, request

# No inline script or style anywhere: every script and stylesheet is a file of ours.
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


_LOWER = tuple((name.lower(), name, value) for name, value in HEADERS.items())


def add(response: Response) -> Response:
    # Those a handler has not set itself: one pass over the response's headers, not one
    # search per header (this runs on every response).
    present = {name.lower() for name, _ in response.headers}
    missing = [(name, value) for lower, name, value in _LOWER if lower not in present]
    response.headers.extend(missing)
    if request.endpoint == "static":
        # Design system files hold no personal data: let phones cache them.
        response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def init_app(app: Flask) -> None:
    app.after_request(add)
