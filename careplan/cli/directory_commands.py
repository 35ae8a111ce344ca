"""`flask --app careplan directory import FILE`: fill the service directory from a file."""

from __future__ import annotations

from pathlib import Path

import click
from flask import g
from flask.cli import AppGroup

from audit.actions import AuditAction
from audit.log import record
from careplan.core import unit_of_work
from careplan.core.errors import ApiError
from careplan.core.untrusted import read_json
from careplan.directory import operations, sources
from careplan.extensions import db

directory_cli = AppGroup("directory", help="The service directory.")
MAX_FILE_BYTES = 200 * 1024 * 1024


@directory_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--source",
    "source_name",
    default="hsds",
    show_default=True,
    help="Short name of an HSDS file's publisher (ALISS pages name themselves).",
)
@click.option("--licence", default=None, help="An HSDS file's licence (URL or name).")
@click.option("--attribution", default=None, help="What an HSDS file's licence asks be shown.")
def import_command(
    file: Path, source_name: str, licence: str | None, attribution: str | None
) -> None:
    """Import ALISS API v4 service pages or HSDS 3.0 services (JSON) from FILE.

    Idempotent: a service already imported from the same source is updated in place and
    its local fields (eligibility, thresholds, how to refer, ...) are kept. All or
    nothing: a file with an unusable record changes nothing and says which record."""
    if file.stat().st_size > MAX_FILE_BYTES:
        raise click.ClickException("The file is larger than 200 MB: split it into pages.")
    try:
        document = read_json(file.read_bytes())
    except ApiError as exc:
        where = ", ".join(sorted(exc.fields)) if exc.fields else "the file"
        raise click.ClickException(f"Nothing was imported: {where} is not usable JSON.") from None
    try:
        found = sources.read(
            document, hsds_source=source_name, licence=licence, attribution=attribution
        )
    except sources.SourceError as exc:
        raise click.ClickException(f"Nothing was imported. {exc}") from None
    try:
        with unit_of_work.job("directory-import"):
            counts = operations.import_services(db.session, found)
            record(
                AuditAction.SERVICE_IMPORT,
                user=None,
                details={"file": file.name, "services": len(found), **vars(counts)},
            )
    except ValueError as exc:
        raise click.ClickException(f"Nothing was imported. {exc}") from None
    click.echo(
        f"{len(found)} services read: {counts.services_added} added, "
        f"{counts.services_updated} updated, {counts.services_unchanged} unchanged; "
        f"{counts.organizations} organisations, {counts.locations} locations."
    )
    g.pop("user", None)
