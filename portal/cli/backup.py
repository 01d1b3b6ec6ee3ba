"""Backing up an instance and restoring one: `portal backup` and `portal restore`."""

from __future__ import annotations

import os
from pathlib import Path

import click

import config as config_module
from config import ConfigError


@click.command("backup")
@click.argument("out", type=click.Path(path_type=Path))
def backup_command(out: Path) -> None:
    """Write a backup of the database and settings to OUT (never the secrets).

    OUT is a new file, or an existing folder to name a dated file in. The
    database stays encrypted under its key; keep instance/secrets apart.
    """
    from portal.store.backup import BackupRefused, take_backup

    try:
        made = take_backup(config_module.load(), out)
    except (BackupRefused, ConfigError) as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:  # an unreadable setting file, say
        raise click.ClickException(f"{error.filename}: {error.strerror}") from None
    click.echo(f"Backup written to {made.path} (schema {made.schema}).")
    click.echo("It holds no secrets: restoring it needs a copy of instance/secrets.")


@click.command("restore")
@click.argument("backup", type=click.Path(path_type=Path))
@click.argument("new_instance_dir", type=click.Path(path_type=Path))
@click.option(
    "--secrets",
    "secrets",
    required=True,
    type=click.Path(path_type=Path),
    help="The secrets/ folder of the instance the backup was made from.",
)
def restore_command(backup: Path, new_instance_dir: Path, secrets: Path) -> None:
    """Make NEW_INSTANCE_DIR from BACKUP and the instance's secrets.

    A PostgreSQL backup goes into the empty database named by
    PORTAL_DATABASE_URL. An existing instance is never overwritten.
    """
    from portal.store.restore import RestoreRefused, restore_backup

    try:
        restored = restore_backup(
            backup, new_instance_dir, secrets, os.environ.get("PORTAL_DATABASE_URL")
        )
    except RestoreRefused as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:  # an unreadable backup or secret, a full disk
        raise click.ClickException(f"{error.filename}: {error.strerror}") from None
    click.echo(
        f"Restored into {restored.instance_path} ({restored.database}, schema {restored.schema})."
    )
    if restored.needs_upgrade:
        click.echo("The backup is from an older release: run `portal upgrade` before serving.")
    click.echo(f"Serve it with PORTAL_INSTANCE={restored.instance_path}.")
