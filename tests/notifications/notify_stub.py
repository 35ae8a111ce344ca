"""A GOV.UK Notify-like HTTP server on loopback, for the sender's tests and benchmark.

It implements what `notifications-python-client` calls: POST /v2/notifications/email and
/v2/notifications/sms (answers 201 with Notify's shape, or the statuses a test scripts:
500 then 201, or 400), and GET /v2/notifications/<id> (the message's status). Every
request's `Authorization: Bearer <JWT>` is checked as Notify checks it: HS256, signed with
the API key's secret, `iss` the service id, `iat` within 30 seconds; otherwise 403.
Each received body is kept for the tests to read (`received`).
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import jwt
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

SEND = re.compile(r"/v2/notifications/(email|sms)")
STATUS = re.compile(r"/v2/notifications/([0-9a-f-]{36})")


def api_key(service_id: str, secret: str, name: str = "careplan-test") -> str:
    """A Notify API key as Notify gives it: name, service id and secret, by dashes."""
    return f"{name}-{service_id}-{secret}"


@dataclass
class NotifyStub:
    service_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    secret: str = field(default_factory=lambda: str(uuid.uuid4()))
    received: list[dict[str, Any]] = field(default_factory=list)
    refused_tokens: int = 0
    # Scripted answers for the next sends, e.g. deque([500, 201]); empty: 201.
    script: deque[int] = field(default_factory=deque)
    # What GET /v2/notifications/<id> says of every message.
    status: str = "delivered"
    # Seconds each send takes, as Notify's own round trip would (the benchmark).
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def key(self) -> str:
        return api_key(self.service_id, self.secret)

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return False
        try:
            claims = jwt.decode(
                header[7:],
                self.secret,
                algorithms=["HS256"],
                options={"require": ["iss", "iat"], "verify_iat": False},
            )
        except jwt.InvalidTokenError:
            return False
        return claims["iss"] == self.service_id and abs(time.time() - claims["iat"]) <= 30

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        return self.answer(request)(environ, start_response)

    def answer(self, request: Request) -> Response:
        if not self._authorised(request):
            with self.lock:
                self.refused_tokens += 1
            return _error(403, "AuthError", "Invalid token: signature, api token not found")
        sent = SEND.fullmatch(request.path)
        if request.method == "POST" and sent:
            return self._send(sent.group(1), request)
        asked = STATUS.fullmatch(request.path)
        if request.method == "GET" and asked:
            return _json(200, {"id": asked.group(1), "status": self.status})
        return _error(404, "NotFound", "Not found")

    def _send(self, channel: str, request: Request) -> Response:
        body = request.get_data(as_text=True)
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            code = self.script.popleft() if self.script else 201
            self.received.append({"channel": channel, "status": code, "body": body})
        if code >= 500:
            return _error(code, "Exception", "Internal server error")
        if code == 400:
            return _error(400, "BadRequestError", "Can't send to this recipient")
        if code == 429:
            return _error(429, "RateLimitError", "Exceeded rate limit")
        data = json.loads(body)
        return _json(
            201,
            {
                "id": str(uuid.uuid4()),
                "reference": data.get("reference"),
                "content": {"body": "", "from_email": "care@example.test"},
                "uri": "",
                "template": {"id": data.get("template_id"), "version": 1, "uri": ""},
            },
        )

    def bodies(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(r["body"]) for r in self.received]


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _error(status: int, error: str, message: str) -> Response:
    return _json(status, {"errors": [{"error": error, "message": message}], "status_code": status})


class Running:
    """The stub served on 127.0.0.1 on a free port, in a thread, until `stop()`."""

    def __init__(self, stub: NotifyStub) -> None:
        self.stub = stub
        self.server = make_server("127.0.0.1", 0, stub, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


def templates_toml(email: str | None = None, sms: str | None = None) -> str:
    """A templates file with one default template per channel."""
    return (
        f'[email]\ndefault = "{email or uuid.uuid4()}"\n[sms]\ndefault = "{sms or uuid.uuid4()}"\n'
    )


def main() -> None:
    """`python -m tests.notifications.notify_stub SERVICE_ID SECRET DELAY_MS`: serve on a
    free loopback port in a process of its own (the benchmark); prints the URL."""
    import logging
    import sys

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    service_id, secret, delay_ms = sys.argv[1], sys.argv[2], float(sys.argv[3])
    running = Running(NotifyStub(service_id=service_id, secret=secret, delay=delay_ms / 1000))
    print(running.url, flush=True)
    try:
        running.thread.join()
    except KeyboardInterrupt:
        running.stop()


if __name__ == "__main__":
    main()
