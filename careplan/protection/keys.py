"""Key-encryption keys (KEKs): held outside the database, named, one of them current.

Configured as JSON, {"current": NAME, "keys": {NAME: base64 of 32 random bytes, ...}}, in a
file (CAREPLAN_DATA_KEYS_FILE) or in the environment (CAREPLAN_DATA_KEYS). The current key
wraps new data keys; the others stay readable until `keys rotate` has re-wrapped everything
under the current one, after which they can be removed. Outside production a missing file
is created on first run, owner-only; in production missing keys stop the start.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from careplan.config import ConfigError

KEY_BYTES = 32  # AES-256


@dataclass(frozen=True)
class KeyRing:
    current: str
    keys: dict[str, bytes]

    def key(self, name: str) -> bytes:
        try:
            return self.keys[name]
        except KeyError as exc:
            raise ConfigError(f"data key-encryption key {name!r} is not configured") from exc


def parse(text: str, source: str) -> KeyRing:
    try:
        raw = json.loads(text)
        current = raw["current"]
        keys = {name: base64.b64decode(value, validate=True) for name, value in raw["keys"].items()}
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise ConfigError(f"{source}: not a key ring ({{current, keys}} with base64 keys)") from exc
    if current not in keys:
        raise ConfigError(f"{source}: the current key {current!r} is not among the keys")
    short = [name for name, key in keys.items() if len(key) != KEY_BYTES]
    if short:
        raise ConfigError(f"{source}: keys must be {KEY_BYTES} bytes: " + ", ".join(short))
    return KeyRing(current, keys)


def new_ring_text(name: str = "k1") -> str:
    key = base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")
    return json.dumps({"current": name, "keys": {name: key}}, indent=2) + "\n"


def load(env_text: str, path: str, production: bool) -> KeyRing:
    if env_text:
        return parse(env_text, "CAREPLAN_DATA_KEYS")
    file = Path(path)
    if not file.exists():
        if production:
            raise ConfigError(
                "production needs the data keys (CAREPLAN_DATA_KEYS_FILE or CAREPLAN_DATA_KEYS)"
            )
        file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_ring_text())
    try:
        text = file.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read the data keys {file}") from exc
    return parse(text, str(file))
