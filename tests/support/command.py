"""Running the `portal` command in-process, as a terminal would."""

from __future__ import annotations

from click.testing import CliRunner, Result

from portal.cli import main


def portal(*args: str, stdin: str | None = None) -> Result:
    """Run `portal ARGS` in-process."""
    return CliRunner().invoke(main, list(args), input=stdin)
