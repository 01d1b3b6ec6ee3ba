"""The `portal` command (also `flask --app portal`)."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

import config as config_module
from config import ConfigError
from portal.instance import InstanceExists, create_instance

DEFAULT_PORT = 5000


def _create_app() -> Flask:
    from portal import create_app

    try:
        return create_app()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@click.command("init")
@click.option(
    "--public-url",
    default=lambda: f"http://127.0.0.1:{os.environ.get('PORT', DEFAULT_PORT)}",
    show_default="http://127.0.0.1:$PORT",
    help="The address people will use to reach the portal.",
)
def init_command(public_url: str) -> None:
    """Create a new instance: secrets, database, group keys, recovery phrase."""
    instance_path = config_module.instance_path_from(os.environ)
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
    click.secho("RECOVERY PHRASE: write these words on paper now.", bold=True)
    click.echo(
        "It is shown once and stored nowhere. It is the only way to recover the\n"
        "reports if every advocate loses their passphrase. Keep it offline, away from\n"
        "this server, somewhere only the charity's trustees can reach.\n"
    )
    click.echo("\n".join(lines) + "\n")


def _upgrade() -> None:
    """Bring the schema up to date, then sweep what a crash may have left behind."""
    from portal import store
    from portal.survivor import sessions
    from portal.uploads import sweep_abandoned

    config = config_module.load()
    engine = store.make_engine(config)
    try:
        store.upgrade(engine)
        with store.Store(engine).session() as session:
            sweep_abandoned(session)
            sessions.sweep(session)
    finally:
        engine.dispose()


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
    from portal.security import insecure_transport_notice

    try:
        _upgrade()
        notice = insecure_transport_notice(config_module.load())
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    if notice:
        click.secho(f"Note: {notice}", fg="yellow", err=True)
    click.echo(f"Serving on http://{host}:{port}", err=True)
    os.umask(0o077)  # the database, its WAL and anything else written stay private
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:portal.gunicorn_conf",
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


def init_app(app: Flask) -> None:
    """Register the commands that need a running app on `flask --app portal`."""
    app.cli.add_command(check_command)
    app.cli.add_command(upgrade_command)
    app.cli.add_command(serve_command)


main = FlaskGroup(
    name="portal",
    create_app=_create_app,
    add_default_commands=False,
    load_dotenv=False,
    set_debug_flag=False,
    help="The anonymous reporting portal.",
)
main.add_command(init_command)
main.add_command(upgrade_command)
main.add_command(serve_command)
