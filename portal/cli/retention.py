"""`portal purge`: delete the reports past their retention period."""

from __future__ import annotations

import click

from portal.cli.common import opened_store
from portal.core.retention import due, purge


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count the reports that would be deleted.")
def purge_command(dry_run: bool) -> None:
    """Delete reports past their retention period (counts only are printed)."""
    with opened_store() as (config, store), store.session() as session:
        if dry_run:
            count = len(due(session, config))
            click.echo(f"{count} report(s) are past their retention period; nothing deleted.")
            return
        result = purge(session, config)
    click.echo(f"Deleted {result.reports} report(s) past their retention period.")
    if result.reports:
        click.echo(f"With them: {result.messages} message(s), {result.attachments} file(s).")
