"""`portal export`: consented cases as one encrypted bundle, written to a file."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from portal.cli.common import opened_store

if TYPE_CHECKING:
    from portal.staff.service import Progress


@click.command("export")
@click.option("--case", "cases", multiple=True, help="A case reference (repeatable).")
@click.option("--all-consented", is_flag=True, help="Every case consented for the purpose.")
@click.option("--purpose", type=click.Choice(["legal", "iopc"]), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--user", "name", required=True, help="The staff account to export as.")
@click.option(
    "--passphrase-stdin",
    is_flag=True,
    help="Read the account passphrase from standard input; a second line, if any, "
    "is the ZIP passphrase.",
)
@click.option(
    "--zip-passphrase-stdin",
    is_flag=True,
    help="Read the ZIP passphrase from standard input instead of generating one.",
)
@click.option("--age-recipient", help="Encrypt to this age public key instead of a passphrase.")
def export_command(
    cases: tuple[str, ...],
    all_consented: bool,
    purpose: str,
    out: Path,
    name: str,
    passphrase_stdin: bool,
    zip_passphrase_stdin: bool,
    age_recipient: str | None,
) -> None:
    """Export consented cases as one encrypted bundle, with a progress bar.

    Unless a ZIP passphrase is given, or --age-recipient, a passphrase of seven
    random words is generated and shown once, on the terminal (standard error).
    Every case is checked and the export audited before the first byte is written.
    """
    from portal.core.principal import unlock_principal
    from portal.staff.delivery import export_to_file

    _check_choices(cases, all_consented, zip_passphrase_stdin, age_recipient)
    passphrase = (
        _line() if passphrase_stdin else str(click.prompt("Account passphrase", hide_input=True))
    )
    zip_passphrase = _zip_passphrase(passphrase_stdin, zip_passphrase_stdin, age_recipient)
    generated = age_recipient is None and zip_passphrase is None
    if generated:
        zip_passphrase = _generated_passphrase()
    if out.exists():
        raise click.ClickException(f"{out} already exists: choose another file.")
    with _explained(purpose, out), opened_store() as (config, store), store.session() as session:
        principal = unlock_principal(session, name, passphrase, config.argon2)
        plan, done = export_to_file(
            session, principal, cases or None, purpose, out, zip_passphrase, age_recipient, _bar
        )
    click.echo(f"Exported {len(done)} case(s) to {out}.")
    if generated:
        click.secho(f"ZIP passphrase (shown once): {zip_passphrase}", bold=True, err=True)
        click.echo("Send it by another channel than the file.", err=True)
    if plan.problems:
        said = "These were recorded in the audit log; the rest was exported."
        raise click.ClickException("\n".join([*plan.problems, said]))


def _check_choices(
    cases: tuple[str, ...], all_consented: bool, zip_passphrase_stdin: bool, recipient: str | None
) -> None:
    """Refuse options that contradict each other, and an age key that is not one."""
    from portal.staff.archive import is_age_recipient

    if bool(cases) == all_consented:
        raise click.UsageError("Give --case references or --all-consented, not both.")
    if recipient is not None and zip_passphrase_stdin:
        raise click.UsageError("Give --zip-passphrase-stdin or --age-recipient, not both.")
    if recipient is not None and not is_age_recipient(recipient):
        raise click.ClickException("That is not a valid age public key.")


def _line() -> str:
    return sys.stdin.readline().rstrip("\r\n")


def _zip_passphrase(
    passphrase_stdin: bool, zip_passphrase_stdin: bool, recipient: str | None
) -> str | None:
    """The ZIP passphrase given, if strong enough; None for age, or for one generated."""
    from portal.staff.passphrases import WeakPassphrase, check_zip_passphrase

    zip_passphrase = None
    if recipient is None and zip_passphrase_stdin:
        reads_lines = passphrase_stdin or not sys.stdin.isatty()
        zip_passphrase = (
            _line() if reads_lines else str(click.prompt("ZIP passphrase", hide_input=True))
        )
    elif recipient is None and passphrase_stdin:
        zip_passphrase = _line() or None  # the ZIP passphrase on a second line, if one was given
    if zip_passphrase is not None:
        try:
            check_zip_passphrase(zip_passphrase)
        except WeakPassphrase as weak:
            raise click.ClickException(str(weak)) from None
    return zip_passphrase


def _generated_passphrase() -> str:
    """Seven random words for the ZIP, to be shown once: only ever at a terminal."""
    from portal.staff.passphrases import new_zip_passphrase

    if not sys.stderr.isatty():
        # Printed into a log or a file, it would lie on the same disk as the bundle.
        raise click.ClickException(
            "There is no terminal to show the generated ZIP passphrase on: give one with "
            "--zip-passphrase-stdin, or use --age-recipient."
        )
    return new_zip_passphrase()


@contextmanager
def _bar(label: str, cases: int) -> Iterator[Progress]:
    """A progress bar on standard error for one pass over the cases."""
    with click.progressbar(length=cases, label=label, file=sys.stderr) as bar:
        yield lambda _done: bar.update(1)


@contextmanager
def _explained(purpose: str, out: Path) -> Iterator[None]:
    """What stops an export, said plainly; by then any file begun is removed."""
    from portal.core.authentication import LoginFailed
    from portal.core.consent import ConsentMissing
    from portal.staff.delivery import NoConsentedCase
    from portal.staff.plan import CaseNotFound
    from portal.staff.service import IntegrityFailure, NothingToExport

    try:
        yield
    except FileExistsError:
        raise click.ClickException(f"{out} already exists: choose another file.") from None
    except LoginFailed as error:  # says why only when the account has security keys
        raise click.ClickException(str(error) or "Those details did not work.") from None
    except NoConsentedCase:
        raise click.ClickException(
            f"No case has consent for {purpose}: nothing to export."
        ) from None
    except ConsentMissing as error:
        raise click.ClickException(
            f"Case {error} has no consent for {purpose}: nothing was exported."
        ) from None
    except CaseNotFound as error:
        raise click.ClickException(f"No case you may export matches {error}.") from None
    except NothingToExport as error:
        said = "Nothing was exported (recorded in the audit log)."
        raise click.ClickException("\n".join([*error.plan.problems, said])) from None
    except IntegrityFailure as error:
        raise click.ClickException(
            f"Case {error} failed an integrity check while it was being written: it changed "
            "after it was checked. Nothing was exported; run the export again."
        ) from None
