"""Where the recovery phrase goes, and what `init` and `serve` say while secrets lie on disk.

The same holds for the first-admin link, which makes whoever holds it an admin.

The phrase opens every report: it may be shown on a terminal, never written
to standard output that a service manager or CI would keep in a log.
"""

from __future__ import annotations

import os
import pty
import select as io_select
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import select

import config
from portal.core.group_keys import recovery_key
from portal.core.instance import recovery_phrase_path
from portal.store import Store, make_engine
from portal.store.models import GroupKey
from tests.support.serving import BIN, free_port, portal_environment


def _read_all(descriptor: int, process: subprocess.Popen[bytes]) -> bytes:
    output = b""
    while True:
        ready, _, _ = io_select.select([descriptor], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(descriptor, 4096)
        except OSError:  # the terminal closed: the command has finished
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=30)
    return output


def test_init_at_a_terminal_prints_the_phrase_and_writes_no_file(tmp_path: Path) -> None:
    env = portal_environment(tmp_path / "instance", free_port())
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [BIN / "portal", "init"], env=env, stdin=terminal, stdout=terminal, stderr=terminal
    )
    os.close(terminal)
    output = _read_all(controller, process).decode()
    os.close(controller)
    assert process.returncode == 0, output
    assert "RECOVERY PHRASE" in output and "21. " in output
    assert not recovery_phrase_path(tmp_path / "instance").exists()


def test_init_without_a_terminal_keeps_the_phrase_out_of_its_output(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    env = portal_environment(instance, free_port())
    made = subprocess.run(
        [BIN / "portal", "init"], env=env, capture_output=True, text=True, timeout=60
    )
    assert made.returncode == 0, made.stderr
    phrase_file = recovery_phrase_path(instance)
    assert phrase_file.stat().st_mode & 0o777 == 0o600
    assert phrase_file.parent == instance.parent  # never inside instance/, whose copies travel
    written = phrase_file.read_text()
    # The phrase is the last 21 words, each after its number ("1. word").
    words = [w for w in written.split() if w.isalpha() and w.islower()][-21:]
    assert len(words) == 21
    for stream in (made.stdout, made.stderr):
        assert " ".join(words[:3]) not in stream
        assert sum(word in stream.split() for word in words) < 3
    assert str(phrase_file) in made.stdout and "delete the file" in made.stdout
    recovery = recovery_key(" ".join(words))
    engine = make_engine(config.load(instance, environ={}))
    try:
        with Store(engine).session() as session:
            stored = session.scalars(select(GroupKey).where(GroupKey.version == 1)).all()
        assert recovery.public_key.to_bytes() in {k.public_key for k in stored}
    finally:
        engine.dispose()
    # A second instance beside it would need the file's place: refused, not overwritten.
    shutil.rmtree(instance)
    again = subprocess.run(
        [BIN / "portal", "init"], env=env, capture_output=True, text=True, timeout=60
    )
    assert again.returncode != 0 and "delete the file first" in again.stderr
    assert phrase_file.read_text() == written and not instance.exists()


def test_init_and_serve_warn_while_a_bootstrap_secret_exists(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    env = portal_environment(instance, free_port())
    made = subprocess.run(
        [BIN / "portal", "init"], env=env, capture_output=True, text=True, timeout=60
    )
    for group, who in (("advocates", "first advocate"), ("exporters", "first staff")):
        assert f"bootstrap-{group}.key still exists" in made.stderr
        assert f"Until the {who}" in made.stderr
    checked = subprocess.run(
        [BIN / "portal", "upgrade"], env=env, capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stderr
    (instance / "secrets" / "bootstrap-advocates.key").unlink()
    serve = subprocess.Popen(
        [BIN / "portal", "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        output = b""
        while b"Serving on" not in output:
            line = serve.stdout.readline() if serve.stdout else b""
            if not line:
                break
            output += line
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    text = output.decode()
    assert "bootstrap-exporters.key still exists" in text
    assert "bootstrap-advocates.key" not in text
    assert "recovery-phrase.txt holds the recovery phrase" in text
    # The one-time first-admin link would make whoever reads this log an admin.
    assert "/admin/join/" not in text
    assert "portal user add NAME --role admin" in text
