"""`portal escrow match`: run the matching escrow with a member's key or the recovery phrase."""

from __future__ import annotations

import sys

import click

from portal.cli.common import at_terminal, opened_store


@click.group("escrow")
def escrow_group() -> None:
    """The matching escrow: reports that wait until others name the same officer."""


@escrow_group.command("match")
@click.option(
    "--user",
    "name",
    help="A member of the matching (an advocate holding its key). Without it, the recovery "
    "phrase is asked for.",
)
@click.option("--passphrase-stdin", is_flag=True, help="Read the passphrase or phrase from stdin.")
def match_command(name: str | None, passphrase_stdin: bool) -> None:
    """Release every waiting report that enough others name, and say how many.

    Before a match nothing but the number of waiting reports is shown. The run,
    and every release, is recorded in the audit log.
    """
    from crypto.errors import CryptoError, InvalidPhrase
    from portal.core import escrow_run, grants
    from portal.core.authentication import LoginFailed
    from portal.core.group_keys import recovery_key
    from portal.core.principal import Principal, unlock_principal
    from portal.store.models import Group, Role

    prompt = "Account passphrase" if name else "Recovery phrase"
    secret = _read_secret(prompt, passphrase_stdin)
    try:
        with opened_store() as (config, store), store.session() as session:
            if name:
                holder = unlock_principal(session, name, secret, config.argon2)
            else:
                keys = grants.recovery_group_keys(session, recovery_key(secret), Group.ESCROW)
                seeds = {key_name: key.to_bytes() for key_name, key in keys.items()}
                holder = Principal(0, "recovery phrase", Role.ADMIN, seeds)
            if not holder.holds(Group.ESCROW):
                raise click.ClickException(f"{holder.name} does not hold the matching key.")
            run = escrow_run.run_matching(
                session, holder, actor=holder.name, escrow_seed=config.escrow_key
            )
    except LoginFailed as error:  # says why only when the account has security keys
        raise click.ClickException(str(error) or "Those details did not work.") from None
    except InvalidPhrase as error:
        raise click.ClickException(f"That recovery phrase is not valid: {error}") from None
    except CryptoError:
        raise click.ClickException("That is not this instance's recovery phrase.") from None
    click.echo(f"{run.waiting} report(s) were waiting; {len(run.released)} released.")
    if run.unopened:
        click.echo(
            f"{run.unopened} entr(y/ies) could not be opened with this key: an older version "
            "of the matching key, or altered.",
            err=True,
        )


def _read_secret(prompt: str, from_stdin: bool) -> str:
    if from_stdin or not at_terminal(sys.stdin):
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt(prompt, hide_input=True))
