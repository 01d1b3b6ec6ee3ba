"""`portal audit`: check the audit log's chain, and print its head to keep elsewhere."""

from __future__ import annotations

import click

from portal.cli.common import opened_store


@click.group("audit")
def audit_group() -> None:
    """The audit log."""


@audit_group.command("verify")
@click.option(
    "--head",
    "witnessed",
    metavar="N:HASH",
    help="A head written down earlier (`portal audit head`): entry N must still have that hash.",
)
def audit_verify_command(witnessed: str | None) -> None:
    """Check the audit log's keyed hash chain; report the first broken entry.

    Without --head, a chain whose newest entries were cut off, or one rebuilt
    by someone holding the audit key, still verifies: compare with a head
    kept outside the server.
    """
    from portal.core import audit

    try:
        head = None if witnessed is None else audit.Head.parse(witnessed)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--head") from None
    with opened_store() as (_, store), store.session() as session:
        result = audit.verify(session, head)
    if result.first_broken_id is not None:
        raise click.ClickException(
            f"The audit log is broken at entry {result.first_broken_id} "
            f"({result.checked} entries before it hold)."
        )
    if head is not None and not result.head_matches:
        raise click.ClickException(
            f"The audit log no longer matches the head {head}: entry {head.count} "
            + (
                "has another hash. Entries were changed, removed or the chain was rebuilt."
                if result.checked >= head.count
                else f"is gone (only {result.checked} entries remain). Entries were removed."
            )
        )
    click.echo(f"The audit log is intact: {result.checked} entries verified.")
    if head is not None:
        click.echo(f"Entry {head.count} still has the witnessed hash.")


@audit_group.command("head")
def audit_head_command() -> None:
    """Print the chain's head as N:HASH, to write down somewhere the server cannot reach."""
    from portal.core import audit

    with opened_store() as (_, store), store.session() as session:
        head = audit.head(session)
    if head is None:
        raise click.ClickException("The audit log is empty.")
    click.echo(str(head))
