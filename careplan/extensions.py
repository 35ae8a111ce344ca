"""Extensions created once, unbound, and bound to an app in the factory."""

import logging
from typing import Any

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

log = logging.getLogger(__name__)

# Session.info key: the engine a session reads through once its unit of work has
# committed and the response is being made (careplan.core.unit_of_work.finish).
READ_AFTER_COMMIT = "careplan.read_after_commit"
# Execution option of a statement reading key material (careplan.protection.vault): a
# process's first use of a data key may read it after the commit, and is no fault.
KEY_MATERIAL = "careplan_key_material"

# Named constraints so Alembic migrations are stable across SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UnitOfWorkSession(Session):
    """Flask-SQLAlchemy's session, which after its unit of work has committed, while the
    response is made from what it read (careplan.core.transaction.respond_after_commit),
    sends any read it still makes to a read-only engine (`info[READ_AFTER_COMMIT]`): on
    SQLite that takes no write lock, where a new transaction of the request's own engine
    would take it (BEGIN IMMEDIATE) and hold it until the request ends, uncommitted.
    Such a read is a fault (the response should need none: tests count them), logged;
    but for a data key opened for the first time in this process (`KEY_MATERIAL`)."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kw: Any) -> Any:
        after_commit = self.info.get(READ_AFTER_COMMIT) if bind is None else None
        if after_commit is not None:
            options = getattr(clause, "_execution_options", None) or {}
            if not options.get(KEY_MATERIAL):
                log.warning("read after the commit (%s): the response should need none", mapper)
            return after_commit
        return super().get_bind(mapper, clause, bind, **kw)


db = SQLAlchemy(model_class=Base, session_options={"class_": UnitOfWorkSession})
migrate = Migrate()
