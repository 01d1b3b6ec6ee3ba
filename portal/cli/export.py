"""`portal export`: consented cases as one encrypted bundle, written to a file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from portal.cli.common import opened_store


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
    import pyrage

    from portal.core import accounts
    from portal.core.principal import unlock_principal
    from portal.staff import passphrases, service

    if bool(cases) == all_consented:
        raise click.UsageError("Give --case references or --all-consented, not both.")
    if age_recipient is not None and zip_passphrase_stdin:
        raise click.UsageError("Give --zip-passphrase-stdin or --age-recipient, not both.")
    if age_recipient is not None:
        try:
            pyrage.x25519.Recipient.from_str(age_recipient)
        except pyrage.RecipientError:
            raise click.ClickException("That is not a valid age public key.") from None

    def line() -> str:
        return sys.stdin.readline().rstrip("\r\n")

    passphrase = (
        line() if passphrase_stdin else str(click.prompt("Account passphrase", hide_input=True))
    )
    zip_passphrase = None
    if age_recipient is None and zip_passphrase_stdin:
        reads_lines = passphrase_stdin or not sys.stdin.isatty()
        zip_passphrase = (
            line() if reads_lines else str(click.prompt("ZIP passphrase", hide_input=True))
        )
    elif age_recipient is None and passphrase_stdin:
        zip_passphrase = line() or None  # the ZIP passphrase on a second line, if one was given
    generated = age_recipient is None and zip_passphrase is None
    if generated:
        if not sys.stderr.isatty():
            # Printed into a log or a file, it would lie on the same disk as the bundle.
            raise click.ClickException(
                "There is no terminal to show the generated ZIP passphrase on: give one with "
                "--zip-passphrase-stdin, or use --age-recipient."
            )
        zip_passphrase = passphrases.new_zip_passphrase()
    elif zip_passphrase is not None:
        try:
            passphrases.check_zip_passphrase(zip_passphrase)
        except passphrases.WeakPassphrase as weak:
            raise click.ClickException(str(weak)) from None
    if out.exists():
        raise click.ClickException(f"{out} already exists: choose another file.")
    created = False
    try:
        with opened_store() as (config, store), store.session() as session:
            principal = unlock_principal(session, name, passphrase, config.argon2)
            ids = (
                service.consented_ids(session, purpose)
                if all_consented
                else service.find_by_reference(session, cases)
            )
            ids = list(dict.fromkeys(ids))  # a case named twice is exported once
            if not ids:
                raise click.ClickException(f"No case has consent for {purpose}: nothing to export.")
            # Created empty now, so that nothing else takes the name; nothing is
            # written to it until every case is checked and the export audited.
            with open(out, "xb") as target:
                created = True
                with click.progressbar(
                    length=len(ids), label="Checking cases", file=sys.stderr
                ) as bar:
                    plan = service.prepare_export(
                        session, principal, ids, purpose, progress=lambda _n: bar.update(1)
                    )
                with click.progressbar(
                    length=len(plan.exported), label="Exporting cases", file=sys.stderr
                ) as bar:
                    done = service.write_bundle(
                        session,
                        principal,
                        plan,
                        target,
                        zip_passphrase=zip_passphrase,
                        age_recipient=age_recipient,
                        progress=lambda _n: bar.update(1),
                    )
    except FileExistsError:
        raise click.ClickException(f"{out} already exists: choose another file.") from None
    except accounts.LoginFailed:
        raise click.ClickException("Those details did not work.") from None
    except BaseException as error:
        if created:
            out.unlink(missing_ok=True)
        if isinstance(error, service.ConsentMissing):
            raise click.ClickException(
                f"Case {error} has no consent for {purpose}: nothing was exported."
            ) from None
        if isinstance(error, service.CaseNotFound):
            raise click.ClickException(f"No case you may export matches {error}.") from None
        if isinstance(error, service.NothingToExport):
            raise click.ClickException(
                "\n".join(
                    [*error.plan.problems, "Nothing was exported (recorded in the audit log)."]
                )
            ) from None
        if isinstance(error, service.IntegrityFailure):
            raise click.ClickException(
                f"Case {error} failed an integrity check while it was being written: it changed "
                "after it was checked. Nothing was exported; run the export again."
            ) from None
        raise
    click.echo(f"Exported {len(done)} case(s) to {out}.")
    if generated:
        click.secho(f"ZIP passphrase (shown once): {zip_passphrase}", bold=True, err=True)
        click.echo("Send it by another channel than the file.", err=True)
    if plan.problems:
        raise click.ClickException(
            "\n".join(
                [*plan.problems, "These were recorded in the audit log; the rest was exported."]
            )
        )
