"""Envelope encryption with AES-256-GCM.

Each record family (section content, entries, consent notes, break-glass justifications)
has a data key; the data key is stored wrapped by the current key-encryption key, which
never enters the database. A sealed value is "v1:" + base64(data key id, nonce, ciphertext
with tag), encrypted with associated data naming the table, column and row id: moved to
another row or column it fails to open, and any change to it is caught as tampering.
"""

from __future__ import annotations

import base64
import binascii
import os
import uuid
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import insert, select

from careplan.core import clock
from careplan.extensions import KEY_MATERIAL
from careplan.protection.keys import KEY_BYTES, KeyRing
from careplan.protection.models import DataKey

PREFIX = "v1:"
_keys = DataKey.__table__


class Tampered(Exception):
    """A sealed value failed its integrity check: it was altered or moved."""


class KeyUnavailable(Exception):
    """A value was sealed under a key this installation does not hold."""


def _wrap_aad(key_id: uuid.UUID, family: str) -> bytes:
    return f"data_key:{key_id}:{family}".encode()


class Vault:
    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring
        # Unwrapped data keys, this process only, by the 16 bytes of id that start every
        # value sealed with them (so `key_for` finds one without making a UUID).
        self._open: dict[bytes, AESGCM] = {}

    # --- data keys -----------------------------------------------------------------
    def _unwrap_raw(self, key_id: uuid.UUID, family: str, kek_name: str, wrapped: bytes) -> bytes:
        if kek_name not in self.ring.keys:
            raise KeyUnavailable(f"data key {key_id} is wrapped by {kek_name!r}, not configured")
        try:
            return AESGCM(self.ring.keys[kek_name]).decrypt(
                wrapped[:12], wrapped[12:], _wrap_aad(key_id, family)
            )
        except InvalidTag as exc:
            raise Tampered(f"data key {key_id} failed its integrity check") from exc

    def _unwrap(self, key_id: uuid.UUID, family: str, kek_name: str, wrapped: bytes) -> AESGCM:
        return AESGCM(self._unwrap_raw(key_id, family, kek_name, wrapped))

    def rewrapped(self, key_id: uuid.UUID, family: str, kek_name: str, wrapped: bytes) -> bytes:
        """The same data key, wrapped under the current KEK instead of `kek_name`."""
        return self.wrap(key_id, family, self._unwrap_raw(key_id, family, kek_name, wrapped))

    def wrap(self, key_id: uuid.UUID, family: str, raw: bytes) -> bytes:
        nonce = os.urandom(12)
        kek = AESGCM(self.ring.key(self.ring.current))
        return nonce + kek.encrypt(nonce, raw, _wrap_aad(key_id, family))

    def _data_key(self, connection: Any, key_id: uuid.UUID) -> AESGCM:
        found = self._open.get(key_id.bytes)
        if found is None:
            # Key material, committed, read once per process: expected even while a
            # response is made after its commit (careplan.extensions.UnitOfWorkSession).
            query = select(_keys).where(_keys.c.id == key_id)
            row = connection.execute(query.execution_options(**{KEY_MATERIAL: True})).first()
            if row is None:
                raise KeyUnavailable(f"data key {key_id} does not exist")
            found = self._unwrap(row.id, row.family, row.kek_name, row.wrapped)
            self._open[key_id.bytes] = found
        return found

    def unopenable(self, connection: Any) -> int:
        """How many active data keys the configured key-encryption keys cannot open (0:
        every sealed value written now can be read back). Reads only; for readiness."""
        failed = 0
        for row in connection.execute(select(_keys.c.id).where(_keys.c.active.is_(True))):
            try:
                self._data_key(connection, row.id)
            except (KeyUnavailable, Tampered):
                failed += 1
        return failed

    def active_key(self, connection: Any, family: str) -> tuple[uuid.UUID, AESGCM]:
        row = connection.execute(
            select(_keys.c.id)
            .where(_keys.c.family == family, _keys.c.active.is_(True))
            .order_by(_keys.c.created_at.desc())
            .limit(1)
        ).first()
        if row is not None:
            return row.id, self._data_key(connection, row.id)
        return self.new_key(connection, family)

    def new_key(self, connection: Any, family: str) -> tuple[uuid.UUID, AESGCM]:
        key_id, raw = uuid.uuid4(), AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        connection.execute(
            insert(_keys).values(
                id=key_id,
                family=family,
                kek_name=self.ring.current,
                wrapped=self.wrap(key_id, family, raw),
                active=True,
                created_at=clock.now(),
            )
        )
        key = self._open[key_id.bytes] = AESGCM(raw)
        return key_id, key

    # --- values --------------------------------------------------------------------
    def seal(self, connection: Any, family: str, aad: str, plaintext: bytes) -> str:
        key_id, key = self.active_key(connection, family)
        nonce = os.urandom(12)
        body = key_id.bytes + nonce + key.encrypt(nonce, plaintext, aad.encode())
        return PREFIX + base64.b64encode(body).decode("ascii")

    def open(self, connection: Any, aad: str, sealed: str) -> bytes:
        body = _body(sealed)
        return _decrypt(self._data_key(connection, uuid.UUID(bytes=body[:16])), aad, body)

    def key_for(self, connection: Any, sealed: str) -> AESGCM:
        """The data key a sealed value needs (read through `connection` the first time):
        loaded inside a transaction, the value can be opened after it with `open_with`."""
        key_id = _key_id_bytes(sealed)
        found = self._open.get(key_id)
        return found if found is not None else self._data_key(connection, uuid.UUID(bytes=key_id))

    @staticmethod
    def open_with(key: AESGCM, aad: str, sealed: str) -> bytes:
        return _decrypt(key, aad, _body(sealed))

    @staticmethod
    def key_id_of(sealed: str) -> uuid.UUID:
        return uuid.UUID(bytes=_key_id_bytes(sealed))


def _key_id_bytes(sealed: str) -> bytes:
    """The data key id a sealed value starts with, from its first 24 base64 characters
    without decoding the rest (opening the value checks all of it). The characters after
    the 16 bytes of id already encode the random nonce, so only the id's bytes name it."""
    if not sealed.startswith(PREFIX):
        raise Tampered("not a sealed value")
    try:
        head = base64.b64decode(sealed[len(PREFIX) : len(PREFIX) + 24], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Tampered("sealed value is not readable") from exc
    if len(head) < 16:
        raise Tampered("sealed value is too short")
    return head[:16]


def _decrypt(key: AESGCM, aad: str, body: bytes) -> bytes:
    try:
        return key.decrypt(body[16:28], body[28:], aad.encode())
    except InvalidTag as exc:
        raise Tampered(f"sealed value failed its integrity check ({aad.split(':')[0]})") from exc


def _body(sealed: str) -> bytes:
    """A sealed value's bytes: key id (16), nonce (12), ciphertext and tag (16)."""
    if not sealed.startswith(PREFIX):
        raise Tampered("not a sealed value")
    try:
        body = base64.b64decode(sealed[len(PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Tampered("sealed value is not readable") from exc
    if len(body) < 16 + 12 + 16:
        raise Tampered("sealed value is too short")
    return body
