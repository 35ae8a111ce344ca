"""The hash chain: a canonical encoding of each record and its SHA-256 link to the last.

The encoding is a compact JSON array of the stored text of a fixed list of fields, in a
fixed order (see audit.stored): adding a column does not silently change what earlier
hashes meant, and verification hashes rows exactly as the database returns them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

CHAINED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_name",
    "actor_role",
    "actor_agency_id",
    "actor_agency_name",
    "action",
    "outcome",
    "person_id",
    "sections",
    "withheld",
    "basis",
    "reason",
    "purpose",
    "justification",
    "request_id",
    "client_addr",
    "user_agent",
    "details",
)
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def canonical_values(values: Sequence[Any]) -> bytes:
    """`values`: the stored text of CHAINED_FIELDS in order (seq as an int)."""
    return _encode(list(values)).encode()


def canonical(record: Mapping[str, Any]) -> bytes:
    return canonical_values([record.get(name) for name in CHAINED_FIELDS])


def link_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(record)).hexdigest()


def link_hash_values(prev_hash: str, values: Sequence[Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_values(values)).hexdigest()
