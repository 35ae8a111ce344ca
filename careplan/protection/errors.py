"""How the vault's failures are answered: named for what they are, never as content."""

from __future__ import annotations

import logging

from flask import Flask, Response, request

from careplan.core.errors import answer
from careplan.protection.vault import KeyUnavailable, Tampered

log = logging.getLogger(__name__)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(Tampered)
    def tampered(exc: Tampered) -> Response:
        # Reported as what it is, never shown as garbage: the message names no content.
        log.error(
            "integrity check failed on %s %s: %s",
            request.method,
            request.url_rule.rule if request.url_rule else "?",
            exc,
        )
        body = {
            "error": "data_integrity",
            "fields": {},
            "message": "Stored information failed its integrity check, so it was not "
            "shown. The incident has been logged; tell your IG officer.",
        }
        return answer(500, body)

    @app.errorhandler(KeyUnavailable)
    def key_unavailable(exc: KeyUnavailable) -> Response:
        log.error("data key unavailable: %s", exc)
        body = {
            "error": "keys_unavailable",
            "fields": {},
            "message": "The service cannot read this information with the keys it has.",
        }
        return answer(503, body)
