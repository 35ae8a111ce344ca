"""OpenID Connect providers, from configuration (a TOML file), never from code.

Each provider's metadata and signing keys (JWKS) are fetched from its issuer and cached;
a token signed with a key we have not seen makes us fetch the keys again (the provider
rotated them), at most once a minute so a forged `kid` cannot make us hammer it.
"""

from __future__ import annotations

import os
import threading
import time
import tomllib
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

import requests
from flask import current_app
from joserfc import errors, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from careplan.core import clock
from careplan.core.errors import ApiError

ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA")  # never "none", never HMAC
HTTP_TIMEOUT = 10
METADATA_TTL = 3600
JWKS_REFRESH_MIN = 60
LEEWAY_SECONDS = 60


class ProviderError(ApiError):
    status, code = 502, "identity_provider"
    message = "The sign-in service could not be reached. Try again in a few minutes."


class TokenRejected(Exception):
    """An ID token or bearer JWT that must not be believed; the reason is for the audit."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Provider:
    name: str
    label: str
    issuer: str
    client_id: str
    accounts: str  # "staff" or "individuals"
    match: str = "email"  # staff: "email" (verified) or "subject" (pre-linked)
    client_auth: str = "client_secret_basic"
    client_secret: str | None = None
    private_key: str | None = None  # PEM, for private_key_jwt
    private_key_id: str | None = None
    scopes: tuple[str, ...] = ("openid", "email", "profile")
    api_audience: str | None = None
    _metadata: dict[str, Any] | None = field(default=None, repr=False)
    _metadata_at: float = 0.0
    _keys: KeySet | None = field(default=None, repr=False)
    _keys_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata is None or time.monotonic() - self._metadata_at > METADATA_TTL:
                url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
                document = _get_json(url)
                if document.get("issuer") != self.issuer:
                    raise ProviderError("The sign-in service described itself wrongly.")
                self._metadata, self._metadata_at = document, time.monotonic()
            return self._metadata

    def keys(self, refresh: bool = False) -> KeySet:
        uri = self.metadata()["jwks_uri"]
        with self._lock:
            stale = time.monotonic() - self._keys_at > JWKS_REFRESH_MIN
            if self._keys is None or (refresh and stale):
                try:
                    self._keys = KeySet.import_key_set(_get_json(uri))  # type: ignore[arg-type]
                except (ValueError, KeyError, TypeError, JoseError) as exc:
                    raise ProviderError() from exc
                self._keys_at = time.monotonic()
            return self._keys

    def decode(self, raw: str, audience: str, nonce: str | None = None) -> dict[str, Any]:
        """Check signature (with key rotation), iss, aud, exp, iat and, when given, nonce."""
        if not raw or len(raw) > 16_384 or raw.count(".") != 2:
            raise TokenRejected("malformed")
        try:
            token = jwt.decode(raw, self.keys(), algorithms=list(ALGORITHMS))
        except (errors.InvalidKeyIdError, errors.MissingKeyError):
            try:  # an unknown key id: the provider may have rotated its keys
                token = jwt.decode(raw, self.keys(refresh=True), algorithms=list(ALGORITHMS))
            except JoseError as again:
                raise TokenRejected(_reason(again)) from again
        except JoseError as exc:
            raise TokenRejected(_reason(exc)) from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise TokenRejected("malformed") from exc
        claims = dict(token.claims)
        options: dict[str, Any] = {
            "iss": {"essential": True, "value": self.issuer},
            "sub": {"essential": True},
            "exp": {"essential": True},
            "iat": {"essential": True},
        }
        if nonce is not None:
            options["nonce"] = {"essential": True, "value": nonce}
        registry = jwt.JWTClaimsRegistry(
            now=int(clock.now().replace(tzinfo=UTC).timestamp()), leeway=LEEWAY_SECONDS, **options
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise TokenRejected(_reason(exc)) from exc
        audiences = claims.get("aud")
        audiences = [audiences] if isinstance(audiences, str) else list(audiences or [])
        if audience not in audiences:
            raise TokenRejected("wrong_audience")
        if len(audiences) > 1 and claims.get("azp") != self.client_id and nonce is not None:
            raise TokenRejected("wrong_audience")
        return claims


def _reason(exc: Exception) -> str:
    """A short, stable reason for the audit record (never the token itself)."""
    if isinstance(exc, errors.ExpiredTokenError):
        return "expired"
    if isinstance(exc, errors.BadSignatureError):
        return "bad_signature"
    if isinstance(exc, (errors.MissingClaimError, errors.InvalidClaimError)):
        kind = "missing" if isinstance(exc, errors.MissingClaimError) else "bad"
        return f"{kind}_{getattr(exc, 'claim', 'claim')}"
    if isinstance(exc, (errors.UnsupportedAlgorithmError, errors.MissingAlgorithmError)):
        return "bad_algorithm"
    if isinstance(exc, (errors.InvalidKeyIdError, errors.MissingKeyError)):
        return "unknown_key"
    if isinstance(exc, (errors.DecodeError, errors.InvalidPayloadError)):
        return "malformed"
    return "invalid"


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderError() from exc
    if not isinstance(document, dict):
        raise ProviderError()
    return document


def _secret(entry: dict[str, Any], name: str) -> tuple[str | None, str | None]:
    secret = os.environ.get(entry["client_secret_env"]) if "client_secret_env" in entry else None
    key = None
    if "private_key_file" in entry:
        key = Path(entry["private_key_file"]).read_text(encoding="utf-8")
    if entry.get("client_auth", "client_secret_basic").startswith("client_secret") and not secret:
        raise ValueError(
            f"provider {name}: set the environment variable its client_secret_env names"
        )
    if entry.get("client_auth") == "private_key_jwt" and not key:
        raise ValueError(f"provider {name}: private_key_jwt needs private_key_file")
    return secret, key


def load(path: str) -> dict[str, Provider]:
    """Providers by name; a mistake in the file stops the service starting, with the reason."""
    if not path:
        return {}
    with open(path, "rb") as handle:
        document = tomllib.load(handle)
    found: dict[str, Provider] = {}
    for name, entry in (document.get("providers") or {}).items():
        if entry.get("accounts") not in ("staff", "individuals"):
            raise ValueError(f"provider {name}: accounts must be 'staff' or 'individuals'")
        if entry.get("client_auth", "client_secret_basic") not in (
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt",
        ):
            raise ValueError(f"provider {name}: unknown client_auth")
        if entry.get("match", "email") not in ("email", "subject"):
            raise ValueError(f"provider {name}: match must be 'email' or 'subject'")
        secret, key = _secret(entry, name)
        found[name] = Provider(
            name=name,
            label=entry.get("label", name),
            issuer=entry["issuer"],
            client_id=entry["client_id"],
            accounts=entry["accounts"],
            match=entry.get("match", "email"),
            client_auth=entry.get("client_auth", "client_secret_basic"),
            client_secret=secret,
            private_key=key,
            private_key_id=entry.get("private_key_id"),
            scopes=tuple(entry.get("scopes", ("openid", "email", "profile"))),
            api_audience=entry.get("api_audience"),
        )
    return found


def configured() -> dict[str, Provider]:
    return current_app.extensions["careplan.providers"]
