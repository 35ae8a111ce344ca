"""Explicit, typed configuration: defaults, then the environment, then overrides.

Every setting the service reads is listed here with its type and default, so the README
can document all of them and a typo in an environment variable cannot pass unnoticed.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ConfigError(RuntimeError):
    """The service refuses to start with this configuration."""


@dataclass(frozen=True)
class Setting:
    env: str
    key: str
    kind: type
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "CAREPLAN_OPERATOR",
        "OPERATOR",
        str,
        "the partner organisations of this service",
        "who runs this deployment, as the privacy notice and accessibility statement name it",
    ),
    Setting(
        "CAREPLAN_CONTACT_EMAIL",
        "CONTACT_EMAIL",
        str,
        "",
        "where people send questions, feedback and data protection requests (the footer's "
        "pages give it; empty: they say to ask a key worker)",
    ),
    Setting(
        "CAREPLAN_CRISIS_LINE_NAME",
        "CRISIS_LINE_NAME",
        str,
        "",
        "the local crisis line the person's pages give beside NHS 24 and Samaritans (for "
        "example 'Edinburgh Crisis Centre'); shown only with CAREPLAN_CRISIS_LINE_PHONE",
    ),
    Setting(
        "CAREPLAN_CRISIS_LINE_PHONE",
        "CRISIS_LINE_PHONE",
        str,
        "",
        "its telephone number, as people dial it (for example '0808 801 0414')",
    ),
    Setting(
        "CAREPLAN_RETENTION_DAYS",
        "RETENTION_DAYS",
        int,
        2190,
        "days a closed plan is kept before 'retention run' erases it (default 6 years)",
    ),
    Setting(
        "CAREPLAN_DATA_KEYS_FILE",
        "DATA_KEYS_FILE",
        str,
        "",
        "key-encryption keys for data at rest, as JSON (default: created on first run "
        "beside the audit key, outside the repository)",
    ),
    Setting(
        "CAREPLAN_DATA_KEYS",
        "DATA_KEYS",
        str,
        "",
        "the same key ring as JSON text, instead of a file",
    ),
    Setting(
        "CAREPLAN_AUDIT_KEY_FILE",
        "AUDIT_KEY_FILE",
        str,
        "",
        "Ed25519 key signing audit checkpoints (default: created on first run under "
        "~/.local/share/careplan, outside the repository)",
    ),
    Setting(
        "CAREPLAN_AUDIT_PRIVATE_KEY",
        "AUDIT_PRIVATE_KEY",
        str,
        "",
        "the signing key itself, as PEM (instead of a file)",
    ),
    Setting(
        "CAREPLAN_AUDIT_CHECKPOINT_EVERY",
        "AUDIT_CHECKPOINT_EVERY",
        int,
        1000,
        "sign a checkpoint at least every this many audit records",
    ),
    Setting(
        "CAREPLAN_AUDIT_CHECKPOINT_SECONDS",
        "AUDIT_CHECKPOINT_SECONDS",
        int,
        300,
        "and at least this often, in seconds, while records are written",
    ),
    Setting(
        "CAREPLAN_AUDIT_VERIFY_PROCESSES",
        "AUDIT_VERIFY_PROCESSES",
        int,
        0,
        "worker processes a full audit verification uses for the segments between signed "
        "checkpoints; 0: one a CPU",
    ),
    Setting(
        "CAREPLAN_AUDIT_WITNESSES",
        "AUDIT_WITNESSES",
        str,
        "",
        "where each committed audit head and signed checkpoint is also written, outside the "
        "database: comma-separated file:PATH (an append-only file) and syslog://HOST:PORT "
        "(an RFC 5424 collector over TCP); 'none' for none (default: a file "
        "audit-witness.log beside the audit signing key)",
    ),
    Setting(
        "CAREPLAN_AUDIT_WITNESS_RETRY_SECONDS",
        "AUDIT_WITNESS_RETRY_SECONDS",
        int,
        5,
        "how often a witness that could not be reached is tried again",
    ),
    Setting(
        "CAREPLAN_AUDIT_WITNESS_TIMEOUT_SECONDS",
        "AUDIT_WITNESS_TIMEOUT_SECONDS",
        int,
        2,
        "how long connecting or sending to a syslog witness may take (never a request's time)",
    ),
    Setting(
        "CAREPLAN_AUDIT_WITNESS_MAX_LAG_SECONDS",
        "AUDIT_WITNESS_MAX_LAG_SECONDS",
        int,
        300,
        "/readyz answers not ready when the oldest audit record a witness has not been given "
        "is older than this; 0: never (the lag is still shown and in /metrics)",
    ),
    Setting(
        "CAREPLAN_ENV",
        "CAREPLAN_ENV",
        str,
        "development",
        "development or production; production refuses unsafe defaults",
    ),
    Setting(
        "CAREPLAN_INSTANCE",
        "INSTANCE_PATH",
        str,
        "",
        "instance folder for the SQLite database and keys (default ./instance)",
    ),
    Setting(
        "DATABASE_URL",
        "SQLALCHEMY_DATABASE_URI",
        str,
        "",
        "SQLAlchemy database URL (default: SQLite in the instance folder)",
    ),
    Setting("SECRET_KEY", "SECRET_KEY", str, "", "session signing key; required in production"),
    Setting(
        "CAREPLAN_LOG_FORMAT",
        "LOG_FORMAT",
        str,
        "",
        "json or text (default: json in production, text elsewhere)",
    ),
    Setting("CAREPLAN_LOG_LEVEL", "LOG_LEVEL", str, "INFO", "DEBUG, INFO, WARNING or ERROR"),
    Setting(
        "CAREPLAN_METRICS_TOKEN",
        "METRICS_TOKEN",
        str,
        "",
        "bearer token Prometheus sends to read /metrics (unset: /metrics answers 404)",
    ),
    Setting(
        "CAREPLAN_MAX_BODY_BYTES",
        "MAX_CONTENT_LENGTH",
        int,
        256 * 1024,
        "largest request body accepted, in bytes",
    ),
    Setting(
        "CAREPLAN_TOKEN_DEFAULT_HOURS",
        "TOKEN_DEFAULT_HOURS",
        int,
        8,
        "lifetime of a personal access token when --expires is not given",
    ),
    Setting(
        "CAREPLAN_SECTIONS_FILE",
        "SECTIONS_FILE",
        str,
        "",
        "section catalogue (default config/sections.toml)",
    ),
    Setting(
        "CAREPLAN_ASK_AND_ACT_FILE",
        "ASK_AND_ACT_FILE",
        str,
        "",
        "the ask and act duty's rules (default config/ask_and_act.toml)",
    ),
    Setting(
        "CAREPLAN_BREAK_GLASS_HOURS",
        "BREAK_GLASS_HOURS",
        int,
        4,
        "how long emergency (break-glass) access lasts",
    ),
    Setting(
        "CAREPLAN_JUSTIFICATION_MIN_CHARS",
        "JUSTIFICATION_MIN_CHARS",
        int,
        40,
        "shortest written justification accepted for break-glass or a claim",
    ),
    Setting(
        "CAREPLAN_CONSENT_MAX_DAYS",
        "CONSENT_MAX_DAYS",
        int,
        1096,
        "latest end a consent may be given, in days from today (default three years)",
    ),
    Setting(
        "CAREPLAN_WARM_HAND_OVER_DAYS",
        "WARM_HAND_OVER_DAYS",
        int,
        28,
        "days a key worker handing a plan to another lead agency keeps reading it (a warm "
        "hand-over), unless the person says otherwise; 0: no warm hand-over",
    ),
    Setting(
        "CAREPLAN_LOOKUP_VALID_MINUTES",
        "LOOKUP_VALID_MINUTES",
        int,
        60,
        "how long after an exact lookup its id may be used to claim a relationship or "
        "break glass (before that, or for anyone else, the id answers as for nobody)",
    ),
    Setting(
        "CAREPLAN_CLAIM_DAYS",
        "CLAIM_DAYS",
        int,
        90,
        "how long a claimed relationship lasts before it must be renewed",
    ),
    Setting(
        "CAREPLAN_REFERRAL_ANSWER_DAYS_URGENT",
        "REFERRAL_ANSWER_DAYS_URGENT",
        int,
        2,
        "days an urgent referral waits for the receiving service's answer before it fails "
        "with 'no answer' (and the referrer is told)",
    ),
    Setting(
        "CAREPLAN_REFERRAL_ANSWER_DAYS_SOON",
        "REFERRAL_ANSWER_DAYS_SOON",
        int,
        7,
        "days a referral marked 'soon' waits for an answer before it fails",
    ),
    Setting(
        "CAREPLAN_REFERRAL_ANSWER_DAYS_ROUTINE",
        "REFERRAL_ANSWER_DAYS_ROUTINE",
        int,
        14,
        "days a routine referral waits for an answer before it fails",
    ),
    Setting(
        "CAREPLAN_REFERRAL_WARNING_HOURS",
        "REFERRAL_WARNING_HOURS",
        int,
        24,
        "hours before an unanswered referral fails when its receiving service and referrer "
        "are told it is about to",
    ),
    Setting(
        "CAREPLAN_REFERRAL_CONSENT_DAYS_AFTER_COMPLETED",
        "REFERRAL_CONSENT_DAYS_AFTER_COMPLETED",
        int,
        28,
        "days the consent sent with a referral lasts after the service completes it (for "
        "the closing letter and questions); after any other close it ends that day",
    ),
    Setting(
        "CAREPLAN_SQLITE_BUSY_MS",
        "SQLITE_BUSY_MS",
        int,
        10_000,
        "how long a SQLite writer waits for the lock before failing",
    ),
    Setting(
        "CAREPLAN_SESSION_IDLE_MINUTES",
        "SESSION_IDLE_MINUTES",
        int,
        15,
        "a web session ends after this many minutes without a request",
    ),
    Setting(
        "CAREPLAN_SESSION_ABSOLUTE_HOURS",
        "SESSION_ABSOLUTE_HOURS",
        int,
        10,
        "and in any case this many hours after signing in",
    ),
    Setting(
        "CAREPLAN_REAUTH_MINUTES",
        "REAUTH_MINUTES",
        int,
        5,
        "break-glass and IG exports need the person to have confirmed who they are this recently",
    ),
    Setting(
        "CAREPLAN_PASSWORD_MIN_LENGTH",
        "PASSWORD_MIN_LENGTH",
        int,
        12,
        "shortest new password accepted (at least 8); no rules on character types",
    ),
    Setting(
        "CAREPLAN_SIGNIN_SLOW_AFTER",
        "SIGNIN_SLOW_AFTER",
        int,
        3,
        "failed sign-ins for one account before each further try must wait (1, 2, 4... s)",
    ),
    Setting(
        "CAREPLAN_SIGNIN_LOCK_AFTER",
        "SIGNIN_LOCK_AFTER",
        int,
        10,
        "failed sign-ins for one account before it is locked",
    ),
    Setting(
        "CAREPLAN_SIGNIN_ADDRESS_LOCK_AFTER",
        "SIGNIN_ADDRESS_LOCK_AFTER",
        int,
        100,
        "failed sign-ins from one client address within an hour before it is locked",
    ),
    Setting(
        "CAREPLAN_SECOND_FACTOR_MAX_FAILURES",
        "SECOND_FACTOR_MAX_FAILURES",
        int,
        50,
        "wrong second-factor codes in a row for one account (across sign-ins, however long "
        "apart) before it is locked until an administrator unlocks it; at most 100 "
        "(NIST SP 800-63B section 5.2.2)",
    ),
    Setting(
        "CAREPLAN_SIGNIN_LOCK_MINUTES",
        "SIGNIN_LOCK_MINUTES",
        int,
        30,
        "how long a lock lasts",
    ),
    Setting(
        "CAREPLAN_IDENTITY_PROVIDERS_FILE",
        "IDENTITY_PROVIDERS_FILE",
        str,
        "",
        "OpenID Connect providers, as TOML (see 'Identity providers'); none when unset",
    ),
    Setting(
        "CAREPLAN_PUBLIC_URL",
        "PUBLIC_URL",
        str,
        "http://localhost:5000",
        "the service's address as people reach it: the link in every email and text",
    ),
    Setting(
        "CAREPLAN_NOTIFY_API_KEY",
        "NOTIFY_API_KEY",
        str,
        "",
        "GOV.UK Notify API key for the sender (`notifications send`); unset: it refuses to "
        "start, and notifications stay in the in-app list",
    ),
    Setting(
        "CAREPLAN_NOTIFY_BASE_URL",
        "NOTIFY_BASE_URL",
        str,
        "https://api.notifications.service.gov.uk",
        "GOV.UK Notify's API address (another for a stand-in, as in the tests)",
    ),
    Setting(
        "CAREPLAN_NOTIFY_TEMPLATES_FILE",
        "NOTIFY_TEMPLATES_FILE",
        str,
        "",
        "Notify template ids per channel and kind, as TOML (see 'Notifications')",
    ),
    Setting(
        "CAREPLAN_NOTIFY_MAX_ATTEMPTS",
        "NOTIFY_MAX_ATTEMPTS",
        int,
        8,
        "tries of one email or text before it is given up as a permanent failure",
    ),
    Setting(
        "CAREPLAN_NOTIFY_RETRY_SECONDS",
        "NOTIFY_RETRY_SECONDS",
        int,
        30,
        "wait before the first retry; each later one waits twice as long (at most an hour)",
    ),
    Setting(
        "CAREPLAN_NOTIFY_BATCH",
        "NOTIFY_BATCH",
        int,
        200,
        "emails and texts one sender claims at a time",
    ),
    Setting(
        "CAREPLAN_NOTIFY_THREADS",
        "NOTIFY_THREADS",
        int,
        16,
        "requests to Notify one sender makes at once",
    ),
    Setting(
        "CAREPLAN_NOTIFY_POLL_SECONDS",
        "NOTIFY_POLL_SECONDS",
        int,
        2,
        "how long the sender waits when there is nothing to send before looking again",
    ),
    Setting(
        "CAREPLAN_PROXY_HOPS",
        "PROXY_HOPS",
        int,
        0,
        "trusted reverse proxies in front of the service (X-Forwarded-For/-Proto), e.g. 1",
    ),
)


def _parse(setting: Setting, raw: str) -> Any:
    if setting.kind is int:
        try:
            return int(raw)
        except ValueError as exc:
            raise ConfigError(f"{setting.env} must be a whole number") from exc
    if setting.kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    return raw


def load_config(overrides: dict[str, Any] | None, environ: dict[str, str] | None = None) -> dict:
    """Defaults, then environment variables, then explicit overrides (tests, tools)."""
    environ = dict(os.environ) if environ is None else environ
    config: dict[str, Any] = {s.key: s.default for s in SETTINGS}
    for setting in SETTINGS:
        if setting.env in environ and environ[setting.env] != "":
            config[setting.key] = _parse(setting, environ[setting.env])
    config.update(overrides or {})
    return _complete(config)


def _complete(config: dict[str, Any]) -> dict[str, Any]:
    production = config["CAREPLAN_ENV"] == "production"
    instance = Path(config["INSTANCE_PATH"] or Path.cwd() / "instance").resolve()
    config["INSTANCE_PATH"] = str(instance)
    if production:
        missing = [k for k in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI") if not config[k]]
        if missing:
            raise ConfigError("production needs " + ", ".join(missing))
    if not 1 <= config["CONSENT_MAX_DAYS"] <= 36_500:
        raise ConfigError("CAREPLAN_CONSENT_MAX_DAYS must be between 1 and 36500")
    if not 1 <= config["NOTIFY_MAX_ATTEMPTS"] <= 50:
        raise ConfigError("CAREPLAN_NOTIFY_MAX_ATTEMPTS must be between 1 and 50")
    if not 1 <= config["NOTIFY_BATCH"] <= 5000 or not 1 <= config["NOTIFY_THREADS"] <= 64:
        raise ConfigError(
            "CAREPLAN_NOTIFY_BATCH must be between 1 and 5000, CAREPLAN_NOTIFY_THREADS 1 and 64"
        )
    if config["NOTIFY_RETRY_SECONDS"] < 0 or config["NOTIFY_POLL_SECONDS"] < 0:
        raise ConfigError("CAREPLAN_NOTIFY_RETRY_SECONDS and _POLL_SECONDS cannot be negative")
    if config["PASSWORD_MIN_LENGTH"] < 8:
        raise ConfigError("CAREPLAN_PASSWORD_MIN_LENGTH must be at least 8")
    if not config["SIGNIN_LOCK_AFTER"] <= config["SECOND_FACTOR_MAX_FAILURES"] <= 100:
        raise ConfigError(
            "CAREPLAN_SECOND_FACTOR_MAX_FAILURES must be between CAREPLAN_SIGNIN_LOCK_AFTER "
            "and 100 (NIST SP 800-63B section 5.2.2)"
        )
    if not config["SECRET_KEY"]:
        # Development only: a fresh random key per process, never a fixed one in code.
        config["SECRET_KEY"] = secrets.token_urlsafe(32)
    if not config["AUDIT_KEY_FILE"]:
        # Per instance, outside the repository and the database.
        tag = hashlib.sha256(str(instance).encode()).hexdigest()[:12]
        config["AUDIT_KEY_FILE"] = str(
            Path.home() / ".local" / "share" / "careplan" / tag / "audit-signing-key.pem"
        )
    if not config["AUDIT_WITNESSES"]:
        # Outside the database, beside the signing key: a cut tail is found by default.
        witness = Path(config["AUDIT_KEY_FILE"]).parent / "audit-witness.log"
        config["AUDIT_WITNESSES"] = f"file:{witness}"
    if config["AUDIT_WITNESS_RETRY_SECONDS"] < 1 or config["AUDIT_WITNESS_TIMEOUT_SECONDS"] < 1:
        raise ConfigError("the audit witness retry and timeout must be at least 1 second")
    if not 0 <= config["AUDIT_VERIFY_PROCESSES"] <= 256:
        raise ConfigError("CAREPLAN_AUDIT_VERIFY_PROCESSES must be between 0 (one a CPU) and 256")
    if config["AUDIT_WITNESS_MAX_LAG_SECONDS"] < 0:
        raise ConfigError("CAREPLAN_AUDIT_WITNESS_MAX_LAG_SECONDS must be 0 or more")
    if not config["DATA_KEYS_FILE"]:
        config["DATA_KEYS_FILE"] = str(Path(config["AUDIT_KEY_FILE"]).parent / "data-keys.json")
    if not config["SQLALCHEMY_DATABASE_URI"]:
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'careplan.sqlite'}"
    config["SQLALCHEMY_DATABASE_URI"] = _normalise_url(config["SQLALCHEMY_DATABASE_URI"])
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(config))
    config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    config["JSON_SORT_KEYS"] = False
    return config


def _normalise_url(url: str) -> str:
    # Operators write postgresql://...; we use psycopg 3, so name the driver explicitly.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _engine_options(config: dict[str, Any]) -> dict[str, Any]:
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return {"connect_args": {"timeout": config["SQLITE_BUSY_MS"] / 1000}}
    # Connections are tested before use only after sitting idle (careplan.core.database).
    return {"pool_pre_ping": False}
