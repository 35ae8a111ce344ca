"""Passwords: Argon2id hashes (argon2-cffi's defaults follow RFC 9106) and the rules for
new ones, after NCSC guidance: long enough, not known from breaches, not about the
account, and no forced mixtures of character types (they make passwords worse)."""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
DENY_LIST = Path(__file__).resolve().parents[2] / "config" / "breached-passwords.txt"
MAX_LENGTH = 256  # long passphrases welcome; beyond this it is not a password
# Verified when no account matches, so a missing account takes as long as a wrong password.
_ABSENT = _hasher.hash("no account has this password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    if not stored:
        _check(_ABSENT, password)
        return False
    return _check(stored, password)


def _check(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _breached() -> frozenset[str]:
    lines = DENY_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def problems(password: str, *, min_length: int, about: tuple[str, ...] = ()) -> list[str]:
    """What is wrong with a new password, in words for the person choosing it."""
    text = unicodedata.normalize("NFKC", password)
    if len(text) < min_length:
        return [f"Use at least {min_length} characters. Three random words work well."]
    if len(text) > MAX_LENGTH:
        return [f"Use no more than {MAX_LENGTH} characters."]
    folded = text.casefold()
    if folded in _breached() or len(set(folded)) < 4:
        return [
            "This password is too easy to guess. It is on a list of passwords seen in "
            "data breaches. Choose another."
        ]
    for word in about:
        word = word.casefold().strip()
        if len(word) >= 4 and word in folded:
            return ["Do not use your name or email address in your password."]
    return []
