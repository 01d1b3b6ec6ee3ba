"""`portal user add`: create a charity account from the command line."""

from __future__ import annotations

import sys

import click
import segno

from portal.cli.common import at_terminal, opened_store
from portal.store.models import Account, Role


@click.group("user")
def user_group() -> None:
    """Manage charity accounts."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--passphrase-stdin", is_flag=True, help="Read the passphrase from standard input.")
def user_add_command(name: str, role: str, passphrase_stdin: bool) -> None:
    """Create an account and print its TOTP enrolment and its key's fingerprint."""
    from portal.core import accounts, authentication, grants

    passphrase = _new_passphrase(passphrase_stdin)
    try:
        with opened_store() as (config, store), store.session() as session:
            enrolment = accounts.create_account(
                session,
                name,
                Role(role),
                passphrase,
                config.argon2,
                config.secrets_path,
                actor="command line",
            )
            account = session.get(Account, enrolment.account_id)
            fingerprint = grants.stored_fingerprint(account) if account else ""
    except authentication.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {role} account {name!r}.")
    click.echo("Add this to an authenticator app (TOTP):")
    click.echo(enrolment.otpauth_uri)
    segno.make(enrolment.otpauth_uri).terminal(compact=True)
    if Role(role) in grants.ROLE_GROUP:
        click.echo(f"Key fingerprint: {fingerprint}")
        click.echo("Whoever grants this account access compares these words with its holder.")


def _new_passphrase(from_stdin: bool) -> str:
    """The new account's passphrase: a line of standard input, or typed twice."""
    from crypto.words import new_passphrase

    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if at_terminal(sys.stdout):  # offered on screen only, never into a log
        click.echo(f"A passphrase picked at random, if you want it: {new_passphrase()}")
        click.echo("Use it, or five or more unrelated words of your own.")
    return str(click.prompt("Passphrase", hide_input=True, confirmation_prompt=True))
