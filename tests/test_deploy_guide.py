"""The deployment guide cannot drift: its files exist, its commands are real, its ports agree."""

from __future__ import annotations

import re
from pathlib import Path

import click
from flask import Flask

from portal import cli

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "deploy.md"
FILES = ROOT / "docs" / "deploy"


def _code(text: str) -> str:
    """Everything in the guide's code blocks and `inline code`, where commands are written."""
    blocks = re.findall(r"(?ms)^```[^\n]*\n(.*?)^```", text)
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"(?ms)^```.*?^```", "", text))
    return "\n".join(blocks + inline)


def _named_commands() -> set[tuple[str, ...]]:
    """Each `portal NAME [SUB]` in the guide's code and in the files it installs."""
    sources = [_code(GUIDE.read_text())] + [path.read_text() for path in FILES.iterdir()]
    # The command itself: at the start of a line or `span`, or run from a venv's bin/.
    found = re.findall(
        r"(?:^|bin/)portal ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?", "\n".join(sources), re.M
    )
    return {tuple(word for word in words if word) for words in found}


def _commands() -> dict[str, click.Command]:
    """Every command of `portal`, with those only the app registers (`check`)."""
    app = Flask("guide")
    cli.init_app(app)
    return dict(cli.main.commands) | dict(app.cli.commands)


def _is_command(words: tuple[str, ...]) -> bool:
    command = _commands().get(words[0])
    if command is None:
        return False
    if isinstance(command, click.Group):
        return len(words) > 1 and words[1] in command.commands
    return True


def _server_blocks(conf: str) -> list[str]:
    return conf.split("server {")[1:]


def _port_of(pattern: str, text: str) -> int:
    found = re.search(pattern, text, re.M)
    assert found, pattern
    return int(found.group(1))


def test_every_file_the_guide_names_exists_and_every_file_is_named() -> None:
    guide = GUIDE.read_text()
    # Named as docs/deploy/NAME (or a glob, as in `cp .../portal-backup.*`) or linked.
    named = set(re.findall(r"docs/deploy/([\w.*-]+)", guide))
    named |= set(re.findall(r"\]\(deploy/([\w.-]+)\)", guide))
    files = {path.name for path in FILES.iterdir()}
    for name in named:
        assert any(Path(file).match(name) for file in files), f"docs/deploy/{name} is missing"
    for file in files:
        assert any(Path(file).match(name) for name in named), f"the guide never names {file}"


def test_every_command_the_guide_names_is_a_real_command() -> None:
    named = set(_named_commands())
    assert ("serve",) in {w[:1] for w in named} and ("user", "add") in named
    assert {("backup",), ("restore",), ("upgrade",)} <= {w[:1] for w in named}
    assert {words for words in named if not _is_command(words)} == set()


def test_tor_and_nginx_lead_to_the_port_the_service_serves_on() -> None:
    service = (FILES / "portal.service").read_text()
    served = _port_of(r"^ExecStart=\S+/portal serve --host 127\.0\.0\.1 --port (\d+)$", service)
    torrc = {
        line.split(None, 1)[0]: line.split(None, 1)[1]
        for line in (FILES / "torrc").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert torrc["SocksPort"] == "0"
    assert torrc["HiddenServiceDir"].startswith("/var/lib/tor/")
    assert torrc["HiddenServicePoWDefensesEnabled"] == "1"
    assert int(torrc["HiddenServiceMaxStreams"]) > 0
    onion = _port_of(r"^80 127\.0\.0\.1:(\d+)$", torrc["HiddenServicePort"])
    blocks = _server_blocks((FILES / "nginx.conf").read_text())
    onion_block = [b for b in blocks if f"listen 127.0.0.1:{onion};" in b]
    assert len(onion_block) == 1
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in onion_block[0]
    proxied = [
        _port_of(r"proxy_pass http://127\.0\.0\.1:(\d+);", b) for b in blocks if "proxy_pass" in b
    ]
    assert len(proxied) == 2 and set(proxied) == {served}


def test_nginx_takes_exactly_the_requests_the_portal_takes(app: Flask) -> None:
    conf = (FILES / "nginx.conf").read_text()
    sizes = set(re.findall(r"client_max_body_size (\d+)m;", conf))
    assert sizes == {str(app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024))}


def test_the_backup_unit_backs_up_into_var_backups() -> None:
    unit = (FILES / "portal-backup.service").read_text()
    assert re.search(r"^ExecStart=.*/portal backup /var/backups/portal/", unit, re.M)
    assert "OnCalendar=daily" in (FILES / "portal-backup.timer").read_text()
