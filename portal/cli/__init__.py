"""The `portal` command (also `flask --app portal`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import segno
from flask import Flask
from flask.cli import FlaskGroup, NoAppException, with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

import config as config_module
from config import Config, ConfigError
from portal.core.instance import (
    InstanceExists,
    create_instance,
    recovery_phrase_path,
    start_notices,
    write_recovery_phrase,
)
from portal.core.retention import purge_command
from portal.staff.statistics import stats_command
from portal.store import Store
from portal.store.models import Account, Role

DEFAULT_PORT = 5000


def _create_app() -> Flask:
    from portal import create_app

    try:
        return create_app()
    except ConfigError as error:
        # Flask shows a NoAppException as a one-line error, never a traceback.
        raise NoAppException(str(error)) from None


@click.command("init")
@click.option(
    "--public-url",
    default=lambda: f"http://127.0.0.1:{os.environ.get('PORT', DEFAULT_PORT)}",
    show_default="http://127.0.0.1:$PORT",
    help="The address people will use to reach the portal.",
)
def init_command(public_url: str) -> None:
    """Create a new instance: secrets, database, group keys, recovery phrase.

    The recovery phrase goes to a terminal only. Without one (a service, CI,
    captured output) it goes to a file readable by its owner only, beside the
    instance, never to standard output, where a log would keep it forever.
    """
    instance_path = config_module.instance_path_from(os.environ)
    on_terminal = sys.stdout.isatty()
    phrase_file = recovery_phrase_path(instance_path)
    fresh = not (instance_path.exists() and any(instance_path.iterdir()))
    if fresh and not on_terminal and phrase_file.exists():
        raise click.ClickException(
            f"{phrase_file} is still there from an earlier `portal init`. Copy that phrase "
            "offline and delete the file first: this one would need its place."
        )
    try:
        phrase = create_instance(instance_path, public_url)
    except (InstanceExists, ConfigError) as error:
        raise click.ClickException(str(error)) from None
    words = phrase.split()
    lines = [
        " ".join(f"{i + 1:>2}. {w:<10}" for i, w in enumerate(words) if i // 7 == row)
        for row in range((len(words) + 6) // 7)
    ]
    click.echo(f"Created a new portal instance in {instance_path}\n")
    explanation = (
        "It is shown once and stored nowhere else. It is the only way to recover the\n"
        "reports if every advocate loses their passphrase. Keep it offline, away from\n"
        "this server, somewhere only the charity's trustees can reach.\n"
    )
    if on_terminal:
        click.secho("RECOVERY PHRASE: write these words on paper now.", bold=True)
        click.echo(explanation)
        click.echo("\n".join(lines) + "\n")
    else:
        write_recovery_phrase(
            instance_path, f"RECOVERY PHRASE\n\n{explanation}\n" + "\n".join(lines) + "\n"
        )
        click.secho(
            f"No terminal to show the RECOVERY PHRASE on, so it was written to {phrase_file}\n"
            "(readable by this user only) and not printed, so no log keeps it. Copy it onto\n"
            "paper now, then delete the file: it opens every report.\n",
            bold=True,
        )
    for notice in start_notices(instance_path):
        click.secho(f"Note: {notice}", fg="yellow", err=True)


def _upgrade() -> None:
    """Bring the schema up to date, then sweep what a crash may have left behind.

    An instance made before the audit key gets one, and its chain is re-keyed.
    """
    from portal import store
    from portal.core import audit
    from portal.core.evidence import sweep_abandoned
    from portal.core.instance import add_missing_secret
    from portal.core.sweeper import sweep_sessions

    new_audit_key = add_missing_secret(
        config_module.instance_path_from(os.environ), config_module.AUDIT_KEY, os.environ
    )
    config = config_module.load()
    engine = store.make_engine(config)
    try:
        store.upgrade(engine)
        with store.Store(engine).session() as session:
            if new_audit_key:
                try:
                    keyed = audit.key_the_chain(session)
                    click.echo(f"The audit log is now keyed: {keyed} entries re-keyed.", err=True)
                except audit.ChainBroken as broken:
                    session.rollback()
                    click.secho(str(broken), fg="red", err=True)
            sweep_abandoned(session)
        sweep_sessions(store.Store(engine))
    finally:
        engine.dispose()


def _first_run_notice() -> None:
    """On an instance with no account, say how to make the first admin.

    The one-time link makes whoever holds it the first admin, so it is shown
    on a terminal only: a service manager's log would keep it for anyone who
    reads the log, valid until the first account exists.
    """
    if not sys.stderr.isatty():
        if _setup_needed():
            click.secho(
                "First run: no account exists yet. Create the first admin with "
                "`portal user add NAME --role admin`, or start `portal serve` at a terminal "
                "for a one-time link to do it in the browser.",
                bold=True,
                err=True,
            )
        return
    link = _setup_link()
    if link:
        click.secho(f"First run: create the first admin account at {link}", bold=True, err=True)


def _setup_needed() -> bool:
    from portal.core import invitations

    _, store = _store()
    try:
        with store.session() as session:
            return invitations.setup_needed(session)
    finally:
        store.engine.dispose()


def _setup_link() -> str | None:
    """On an instance with no accounts, a one-time link to create the first admin."""
    from portal.core import invitations

    config, store = _store()
    try:
        with store.session() as session:
            if not invitations.setup_needed(session):
                return None
            token = invitations.first_admin_link(session)
    finally:
        store.engine.dispose()
    return f"{config.public_url}/admin/join/{token}"


@click.command("upgrade")
def upgrade_command() -> None:
    """Bring the database schema up to date."""
    try:
        _upgrade()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    click.echo("The database schema is up to date.")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    type=int,
    default=lambda: int(os.environ.get("PORT", DEFAULT_PORT)),
    show_default="$PORT or 5000",
)
def serve_command(host: str, port: int) -> None:
    """Serve the portal with gunicorn (the schema is upgraded first)."""
    from portal.web.security import insecure_transport_notice

    try:
        _upgrade()
        notice = insecure_transport_notice(config_module.load())
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    for note in ([notice] if notice else []) + start_notices(
        config_module.instance_path_from(os.environ)
    ):
        click.secho(f"Note: {note}", fg="yellow", err=True)
    _first_run_notice()
    click.echo(f"Serving on http://{host}:{port}", err=True)
    os.umask(0o077)  # the database, its WAL and anything else written stay private
    # glibc gives each busy thread a malloc arena of its own, and freed memory
    # stays in them: two arenas per process keep the workers about 10 MB smaller
    # after a surge, at no measured cost in speed. An operator's setting wins.
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:portal.web.gunicorn_conf",
        "--bind",
        f"{host}:{port}",
        "wsgi:app",
    ]
    os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with gunicorn


def _store() -> tuple[Config, Store]:
    from portal import store

    config = config_module.load()
    return config, store.Store(store.make_engine(config))


@click.group("user")
def user_group() -> None:
    """Manage charity accounts."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--passphrase-stdin", is_flag=True, help="Read the passphrase from standard input.")
def user_add_command(name: str, role: str, passphrase_stdin: bool) -> None:
    """Create an account and print its TOTP enrolment and its key's fingerprint."""
    from crypto.words import new_passphrase
    from portal.core import accounts, authentication, grants

    if passphrase_stdin:
        passphrase = sys.stdin.readline().rstrip("\n")
    else:
        if _at_terminal(sys.stdout):  # offered on screen only, never into a log
            click.echo(f"A passphrase picked at random, if you want it: {new_passphrase()}")
            click.echo("Use it, or five or more unrelated words of your own.")
        passphrase = click.prompt("Passphrase", hide_input=True, confirmation_prompt=True)
    try:
        config, store = _store()
        with store.session() as session:
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
    except (ConfigError, authentication.AccountError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {role} account {name!r}.")
    click.echo("Add this to an authenticator app (TOTP):")
    click.echo(enrolment.otpauth_uri)
    segno.make(enrolment.otpauth_uri).terminal(compact=True)
    if Role(role) in grants.ROLE_GROUP:
        click.echo(f"Key fingerprint: {fingerprint}")
        click.echo("Whoever grants this account access compares these words with its holder.")


def _at_terminal(stream: object) -> bool:
    """True when a person is at the other end of the stream."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _member(session: Session, name: str) -> Account:
    """The advocate or staff account of that name; a plain error if there is none."""
    from portal.core import grants

    member = session.scalars(select(Account).where(Account.name == name)).first()
    if member is None or member.role not in grants.ROLE_GROUP:
        raise click.ClickException(f"No advocate or staff account is called {name!r}.")
    return member


@click.command("recover")
@click.option("--user", "name", required=True, help="The account to give the group's keys to.")
@click.option(
    "--fingerprint",
    "expected",
    help="The member's key fingerprint, the six words on their account page. "
    "Needed when not run at a terminal; at a terminal you are asked to compare them.",
)
def recover_command(name: str, expected: str | None) -> None:
    """Grant an advocate or staff member their group's keys with the recovery phrase.

    The member's key fingerprint must be compared with the member first: the
    keys are sealed to the public key the database holds, which someone with
    write access could have replaced with their own. The phrase is read from
    standard input and never stored.
    """
    from crypto.errors import CryptoError, InvalidPhrase
    from crypto.keys import PrivateKey
    from crypto.words import phrase_to_seed, same_fingerprint
    from portal.core import authentication, grants

    try:
        _, store = _store()
        with store.session() as session:
            fingerprint = grants.stored_fingerprint(_member(session, name))
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    if expected is not None:
        if not same_fingerprint(expected, fingerprint):
            raise click.ClickException(
                f"Those words are not the fingerprint of {name}'s key. Nothing was granted. "
                "Check the words with them again, in person or by phone."
            )
    elif _at_terminal(sys.stdin):
        click.echo(f"The key of {name} has the fingerprint:\n\n    {fingerprint}\n")
        click.echo("Ask them, in person or by phone, to read the words on their account page.")
        if not click.confirm("Are they exactly these words?", default=False):
            raise click.ClickException("Nothing was granted.")
    else:
        raise click.ClickException(
            "Give --fingerprint with the six words on the member's account page "
            "(or run this at a terminal to compare them). Nothing was granted."
        )
    phrase = (
        click.prompt("Recovery phrase", hide_input=True)
        if _at_terminal(sys.stdin)
        else sys.stdin.readline()
    )
    try:
        recovery = PrivateKey(phrase_to_seed(phrase))
        with store.session() as session:
            member = _member(session, name)
            keys = grants.recovery_group_keys(session, recovery, grants.ROLE_GROUP[member.role])
            # Sealed only if the stored key still has the fingerprint compared above.
            granted = grants.grant_group_keys(
                session, keys, member, actor="recovery phrase", fingerprint=fingerprint
            )
    except InvalidPhrase as error:
        raise click.ClickException(f"That recovery phrase is not valid: {error}") from None
    except CryptoError:
        raise click.ClickException("That is not this instance's recovery phrase.") from None
    except authentication.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Granted {granted} key(s) to {name}.")


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

    from portal.core import authentication
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
        config, store = _store()
        with store.session() as session:
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
    except authentication.LoginFailed:
        raise click.ClickException("Those details did not work.") from None
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
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
    try:
        _, store = _store()
        with store.session() as session:
            result = audit.verify(session, head)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
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

    try:
        _, store = _store()
        with store.session() as session:
            head = audit.head(session)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    if head is None:
        raise click.ClickException("The audit log is empty.")
    click.echo(str(head))


@click.command("check")
@with_appcontext
def check_command() -> None:
    """Check that the instance's configuration and database open."""
    click.echo("The configuration is valid and the database opens.")


COMMANDS = (
    upgrade_command,
    serve_command,
    user_group,
    recover_command,
    export_command,
    stats_command,
    purge_command,
    audit_group,
)


def init_app(app: Flask) -> None:
    """Register the commands on `flask --app portal` too."""
    app.cli.add_command(check_command)
    for command in COMMANDS:
        app.cli.add_command(command)


main = FlaskGroup(
    name="portal",
    create_app=_create_app,
    add_default_commands=False,
    load_dotenv=False,
    set_debug_flag=False,
    help="The anonymous reporting portal.",
)
main.add_command(init_command)
for _command in COMMANDS:
    main.add_command(_command)
