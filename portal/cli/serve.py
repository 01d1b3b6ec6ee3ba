"""Setting up and running an instance: `portal init`, `upgrade`, `serve` and `check`."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Engine

import config as config_module
from config import ConfigError
from portal.cli.common import opened_store
from portal.core.instance import (
    InstanceExists,
    create_instance,
    recovery_phrase_path,
    start_notices,
    write_recovery_phrase,
)

DEFAULT_PORT = 5000
_PHRASE_EXPLAINED = (
    "It is shown once and stored nowhere else. It is the only way to recover the\n"
    "reports if every advocate loses their passphrase. Keep it offline, away from\n"
    "this server, somewhere only the charity's trustees can reach.\n"
)


@click.command("init")
@click.option(
    "--public-url",
    # "localhost", not 127.0.0.1: browsers refuse security keys on an IP address.
    default=lambda: f"http://localhost:{os.environ.get('PORT', DEFAULT_PORT)}",
    show_default="http://localhost:$PORT",
    help="The address people will use to reach the portal.",
)
@click.option(
    "--database-url",
    default=None,
    help="A PostgreSQL database shared by several app hosts (postgresql://user@host/name); "
    "without it, an encrypted SQLite file in the instance folder.",
)
def init_command(public_url: str, database_url: str | None) -> None:
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
        phrase = create_instance(instance_path, public_url, database_url)
    except (InstanceExists, ConfigError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created a new portal instance in {instance_path}\n")
    _hand_over(instance_path, _in_rows(phrase), on_terminal)
    for notice in start_notices(instance_path):
        click.secho(f"Note: {notice}", fg="yellow", err=True)


def _in_rows(phrase: str) -> str:
    """The phrase's words numbered, seven to a row, as they are to be copied out."""
    words = phrase.split()
    rows = [
        " ".join(f"{i + 1:>2}. {w:<10}" for i, w in enumerate(words) if i // 7 == row)
        for row in range((len(words) + 6) // 7)
    ]
    return "\n".join(rows) + "\n"


def _hand_over(instance_path: Path, rows: str, on_terminal: bool) -> None:
    """Show the recovery phrase at the terminal, or else leave it in a private file."""
    if on_terminal:
        click.secho("RECOVERY PHRASE: write these words on paper now.", bold=True)
        click.echo(_PHRASE_EXPLAINED)
        click.echo(rows)
        return
    write_recovery_phrase(instance_path, f"RECOVERY PHRASE\n\n{_PHRASE_EXPLAINED}\n{rows}")
    click.secho(
        "No terminal to show the RECOVERY PHRASE on, so it was written to "
        f"{recovery_phrase_path(instance_path)}\n"
        "(readable by this user only) and not printed, so no log keeps it. Copy it onto\n"
        "paper now, then delete the file: it opens every report.\n",
        bold=True,
    )


def _upgrade() -> None:
    """Bring the schema up to date, then sweep what a crash may have left behind.

    An instance made before the audit key gets one, and its chain is re-keyed;
    one made before the matching escrow gets its secret and its group key.
    """
    from portal import store
    from portal.core import audit
    from portal.core.evidence import sweep_abandoned
    from portal.core.group_keys import add_missing_group_key
    from portal.core.instance import add_missing_secret
    from portal.core.sweeper import sweep_sessions
    from portal.store.models import Group

    instance_path = config_module.instance_path_from(os.environ)
    new_audit_key = add_missing_secret(instance_path, config_module.AUDIT_KEY, os.environ)
    add_missing_secret(instance_path, config_module.ESCROW_KEY, os.environ)
    config = config_module.load()
    engine = store.make_engine(config)
    try:
        _back_up_before_migrating(config, engine)
        store.upgrade(engine)
        with store.Store(engine).session() as session:
            if new_audit_key:
                try:
                    keyed = audit.key_the_chain(session)
                    click.echo(f"The audit log is now keyed: {keyed} entries re-keyed.", err=True)
                except audit.ChainBroken as broken:
                    session.rollback()
                    click.secho(str(broken), fg="red", err=True)
            if add_missing_group_key(session, Group.ESCROW):
                session.commit()
                click.echo(
                    "Reports may now wait until others name the same officer. Give an "
                    "advocate the matching key: `portal recover --user NAME --matching`, "
                    "with the recovery phrase.",
                    err=True,
                )
            sweep_abandoned(session)
        sweep_sessions(store.Store(engine))
    finally:
        engine.dispose()


def _back_up_before_migrating(config: config_module.Config, engine: Engine) -> None:
    """Back up a database whose schema is behind the code; refuse one ahead of it.

    The backup goes to backup_dir, or backups/ beside the instance folder.
    Without a backup nothing is migrated: a migration is the one change to
    every row at once, and the backup is how it is undone.
    """
    from portal import store
    from portal.store.backup import BackupRefused, back_up_into
    from portal.store.revisions import SchemaBehind

    try:
        store.check_database(engine, config)  # a database ahead of the code stops here
        return
    except SchemaBehind as behind:
        if behind.revision is None:
            return  # a database with no schema yet holds nothing to keep
    try:
        made = back_up_into(config, config.backups_path)
    except BackupRefused as refused:
        raise ConfigError(f"nothing was upgraded, as no backup could be taken: {refused}") from None
    click.echo(f"Backed up the database (schema {made.schema}) to {made.path}", err=True)


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
    """True while the instance has no account at all."""
    from portal.core import invitations

    with opened_store() as (_, store), store.session() as session:
        return invitations.setup_needed(session)


def _setup_link() -> str | None:
    """On an instance with no accounts, a one-time link to create the first admin."""
    from portal.core import invitations

    with opened_store() as (config, store), store.session() as session:
        if not invitations.setup_needed(session):
            return None
        token = invitations.first_admin_link(session)
    return f"{config.public_url}/admin/join/{token}"


def _follow_the_port(port: int) -> None:
    """On plain loopback HTTP, make links name the port served on, not the one of `init`.

    `portal init` writes the public URL with the port of that first run; a later
    `portal serve --port N` (or `PORT=N make run`) would otherwise hand out
    links nobody can open. Only loopback HTTP with no proxy in front follows:
    a public URL an operator chose for a proxy or a domain is theirs, and so is
    a PORTAL_PUBLIC_URL they set. The variable set here reaches gunicorn too.
    """
    if "PORTAL_PUBLIC_URL" in os.environ:
        return
    config = config_module.load()
    if config.trusted_proxies or not config_module.loopback_http(config.public_url):
        return
    parts = urlsplit(config.public_url)
    host = parts.hostname or ""
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if netloc != parts.netloc:
        os.environ["PORTAL_PUBLIC_URL"] = urlunsplit((parts.scheme, netloc, parts.path, "", ""))


@click.command("upgrade")
def upgrade_command() -> None:
    """Bring the database schema up to date."""
    try:
        _upgrade()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    click.echo("The database schema is up to date.")


def _is_loopback(host: str) -> bool:
    """True for localhost and any loopback address, bracketed or not."""
    try:
        return host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _refuse_public_bind(host: str, public_bind: bool) -> None:
    """With an onion service, listen on loopback only, unless told otherwise.

    An onion service hides where the server is; the same portal answering on
    a public address would let anyone who finds it there (by scanning, or by
    its pages) tie the onion address to the machine.
    """
    onion_url = config_module.load().onion_url
    if onion_url and not public_bind and not _is_loopback(host):
        raise click.ClickException(
            f"onion_url is set ({onion_url}), so the portal listens on loopback only: "
            f"--host {host} would let anyone reach the server behind the onion address "
            "directly. Put nginx in front on the public address (docs/deploy.md), or "
            "add --public-bind if this address is meant to be public."
        )


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    type=int,
    default=lambda: int(os.environ.get("PORT", DEFAULT_PORT)),
    show_default="$PORT or 5000",
)
@click.option(
    "--public-bind",
    is_flag=True,
    help="Listen on a non-loopback --host even though onion_url is set.",
)
def serve_command(host: str, port: int, public_bind: bool) -> None:
    """Serve the portal with gunicorn (the schema is upgraded first)."""
    from portal.web.security import insecure_transport_notice

    try:
        _refuse_public_bind(host, public_bind)
        _follow_the_port(port)
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


@click.command("check")
@with_appcontext
def check_command() -> None:
    """Check that the instance's configuration and database open."""
    click.echo("The configuration is valid and the database opens.")
    host = urlsplit(current_app.config["PORTAL"].public_url).hostname or ""
    if _is_ip_address(host):
        click.echo(
            f"Note: public_url names the address {host}, and browsers refuse security keys "
            "on an address: charity accounts cannot use them. Use a name (localhost on this "
            "machine, or the portal's domain)."
        )


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
