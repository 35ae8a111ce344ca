"""The hash chain: a canonical encoding of each record and its SHA-256 link to the last."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

# The fields covered by the hash, in a fixed list: adding a column does not silently
# change what earlier hashes meant.
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


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="microseconds")
    return value


def canonical(record: Mapping[str, Any]) -> bytes:
    body = {name: _plain(record.get(name)) for name in CHAINED_FIELDS}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(record)).hexdigest()
