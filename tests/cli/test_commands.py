"""The `portal` command keeps its commands, wherever each is defined, and only it uses click."""

from __future__ import annotations

import ast
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.cli import init_command, main

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = [
    "audit",
    "backup",
    "escrow",
    "export",
    "init",
    "purge",
    "recover",
    "restore",
    "serve",
    "stats",
    "upgrade",
    "user",
]


def test_every_command_is_on_the_portal_command() -> None:
    assert sorted(main.commands) == COMMANDS
    assert sorted(main.commands["audit"].commands) == ["head", "verify"]  # type: ignore[attr-defined]
    assert sorted(main.commands["user"].commands) == ["add"]  # type: ignore[attr-defined]
    assert sorted(main.commands["escrow"].commands) == ["match"]  # type: ignore[attr-defined]


def test_flask_finds_init_before_an_instance_exists() -> None:
    [init] = [e for e in entry_points(group="flask.commands") if e.name == "init"]
    assert init.load() is init_command


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "init"])
def test_each_command_explains_itself(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def _imports_click(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            a.name.split(".")[0] == "click" for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "click":
            return True
    return False


def test_only_the_command_line_layer_imports_click() -> None:
    outside = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "portal").rglob("*.py"))
        if "cli" not in path.relative_to(ROOT / "portal").parts[:1] and _imports_click(path)
    ]
    assert outside == []
