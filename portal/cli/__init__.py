"""The `portal` command (also `flask --app portal`): one module of commands a subject."""

from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup, NoAppException

from config import ConfigError
from portal.cli.audit import audit_group
from portal.cli.backup import backup_command, restore_command
from portal.cli.escrow import escrow_group
from portal.cli.export import export_command
from portal.cli.recovery import recover_command
from portal.cli.retention import purge_command
from portal.cli.serve import check_command, init_command, serve_command, upgrade_command
from portal.cli.statistics import stats_command
from portal.cli.users import user_group

COMMANDS = (
    upgrade_command,
    serve_command,
    backup_command,
    restore_command,
    user_group,
    recover_command,
    export_command,
    stats_command,
    purge_command,
    audit_group,
    escrow_group,
)


def _create_app() -> Flask:
    from portal import create_app

    try:
        return create_app()
    except ConfigError as error:
        # Flask shows a NoAppException as a one-line error, never a traceback.
        raise NoAppException(str(error)) from None


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

__all__ = ["init_app", "init_command", "main"]
