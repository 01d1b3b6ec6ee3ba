"""`portal recover`: grant a member their group's keys with the offline recovery phrase."""

from __future__ import annotations

import sys

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cli.common import at_terminal, opened_store
from portal.store.models import Account, Group


@click.command("recover")
@click.option("--user", "name", required=True, help="The account to give the group's keys to.")
@click.option(
    "--fingerprint",
    "expected",
    help="The member's key fingerprint, the six words on their account page. "
    "Needed when not run at a terminal; at a terminal you are asked to compare them.",
)
@click.option(
    "--matching",
    is_flag=True,
    help="Also give an advocate the matching escrow's key, so they can run the matching.",
)
def recover_command(name: str, expected: str | None, matching: bool) -> None:
    """Grant an advocate or staff member their group's keys with the recovery phrase.

    The member's key fingerprint must be compared with the member first: the
    keys are sealed to the public key the database holds, which someone with
    write access could have replaced with their own. The phrase is read from
    standard input and never stored.
    """
    from crypto.errors import CryptoError, InvalidPhrase
    from portal.core import authentication, grants
    from portal.core.group_keys import recovery_key

    with opened_store() as (_, store):
        with store.session() as session:
            fingerprint = grants.stored_fingerprint(_member(session, name))
        _compare_fingerprint(name, fingerprint, expected)
        phrase = (
            click.prompt("Recovery phrase", hide_input=True)
            if at_terminal(sys.stdin)
            else sys.stdin.readline()
        )
        try:
            recovery = recovery_key(phrase)
            with store.session() as session:
                member = _member(session, name)
                group = grants.ROLE_GROUP[member.role]
                keys = grants.recovery_group_keys(session, recovery, group)
                if matching:
                    keys |= grants.recovery_group_keys(session, recovery, Group.ESCROW)
                # Sealed only if the stored key still has the fingerprint compared above.
                granted = grants.grant_group_keys(
                    session,
                    keys,
                    member,
                    actor="recovery phrase",
                    fingerprint=fingerprint,
                    escrow=matching,
                )
        except InvalidPhrase as error:
            raise click.ClickException(f"That recovery phrase is not valid: {error}") from None
        except CryptoError:
            raise click.ClickException("That is not this instance's recovery phrase.") from None
        except authentication.AccountError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Granted {granted} key(s) to {name}.")


def _member(session: Session, name: str) -> Account:
    """The advocate or staff account of that name; a plain error if there is none."""
    from portal.core import grants

    member = session.scalars(select(Account).where(Account.name == name)).first()
    if member is None or member.role not in grants.ROLE_GROUP:
        raise click.ClickException(f"No advocate or staff account is called {name!r}.")
    return member


def _compare_fingerprint(name: str, fingerprint: str, expected: str | None) -> None:
    """Go on only once the member's key is the one they read out: given, or at a terminal."""
    from crypto.words import same_fingerprint

    if expected is not None:
        if not same_fingerprint(expected, fingerprint):
            raise click.ClickException(
                f"Those words are not the fingerprint of {name}'s key. Nothing was granted. "
                "Check the words with them again, in person or by phone."
            )
    elif at_terminal(sys.stdin):
        click.echo(f"The key of {name} has the fingerprint:\n\n    {fingerprint}\n")
        click.echo("Ask them, in person or by phone, to read the words on their account page.")
        if not click.confirm("Are they exactly these words?", default=False):
            raise click.ClickException("Nothing was granted.")
    else:
        raise click.ClickException(
            "Give --fingerprint with the six words on the member's account page "
            "(or run this at a terminal to compare them). Nothing was granted."
        )
