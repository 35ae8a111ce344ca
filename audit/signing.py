"""The Ed25519 key that signs audit checkpoints. It lives outside the database.

Configured by a PEM file path (CAREPLAN_AUDIT_KEY_FILE) or the PEM itself in the
environment (CAREPLAN_AUDIT_PRIVATE_KEY). Outside production, a missing key file is created
on first run with owner-only permissions; in production a missing key stops the start.
"""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from careplan.config import ConfigError


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def checkpoint_message(seq: int, chain_hash: str, signed_at: datetime) -> bytes:
    stamp = signed_at.replace(tzinfo=None).isoformat(timespec="microseconds")
    return f"careplan-audit-checkpoint:v1:{seq}:{chain_hash}:{stamp}".encode()


class Signer:
    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self.public = private.public_key()
        self.key_id = key_id(self.public)

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self._private.sign(message)).decode("ascii")

    def public_pem(self) -> str:
        return self.public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")


def verify_signature(public: Ed25519PublicKey, signature: str, message: bytes) -> bool:
    try:
        public.verify(base64.b64decode(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the audit public key {path}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError("the audit public key is not an Ed25519 key")
    return key


def load_signer(pem: str, key_file: str, production: bool) -> Signer:
    if pem:
        return Signer(_parse_private(pem.encode()))
    path = Path(key_file)
    if not path.exists():
        if production:
            raise ConfigError(
                "production needs the audit signing key "
                "(CAREPLAN_AUDIT_KEY_FILE or CAREPLAN_AUDIT_PRIVATE_KEY)"
            )
        _create(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the audit signing key {path}") from exc
    return Signer(_parse_private(data))


def _parse_private(data: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError as exc:
        raise ConfigError("the audit signing key is not a readable PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError("the audit signing key is not an Ed25519 key")
    return key


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # Created owner-only from the start: never a moment when others could read it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
