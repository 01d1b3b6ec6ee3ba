"""`portal stats`: the anonymised statistics at the terminal, as tables or CSV."""

from __future__ import annotations

import sys

import click

from portal.cli.common import opened_store


@click.command("stats")
@click.option("--user", "name", required=True, help="The staff account to count as.")
@click.option("--passphrase-stdin", is_flag=True, help="Read the account passphrase from stdin.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (table, category, count).")
def stats_command(name: str, passphrase_stdin: bool, as_csv: bool) -> None:
    """Print the anonymised statistics (small numbers suppressed), as tables or CSV."""
    from portal.core.authentication import LoginFailed
    from portal.core.principal import unlock_principal
    from portal.staff.statistics import StaffOnly, audited
    from portal.staff.statistics_formats import to_csv, to_text

    if passphrase_stdin:
        passphrase = sys.stdin.readline().rstrip("\n")
    else:
        passphrase = str(click.prompt("Account passphrase", hide_input=True))
    try:
        with opened_store() as (config, store), store.session() as session:
            principal = unlock_principal(session, name, passphrase, config.argon2)
            statistics = audited(session, principal, "statistics viewed")
    except LoginFailed as error:  # says why only when the account has security keys
        raise click.ClickException(str(error) or "Those details did not work.") from None
    except StaffOnly:
        raise click.ClickException("Only a staff account may see the statistics.") from None
    click.echo(to_csv(statistics) if as_csv else to_text(statistics), nl=False)
