"""Node.js for the tests of the browser's envelopes (js/seal): its pinned packages, and node runs.

Node and npm are test dependencies like Chromium (`make system-packages`).
The packages are installed by `npm ci` from the committed lock file when
js/seal/node_modules is missing or older than it, once at a time however
many test processes ask.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEAL = ROOT / "js" / "seal"
BUNDLE = ROOT / "portal" / "static" / "seal.js"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"`{name}` is missing: run `make system-packages` (Debian's nodejs and npm)")
    return found


def run(args: list[str], *, env: Mapping[str, str] | None = None, timeout: int = 120) -> str:
    """Run node or npm in js/seal; fail the test with everything it printed unless it succeeds."""
    command = [_tool(args[0]), *args[1:]]
    result = subprocess.run(
        command,
        cwd=SEAL,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"`{' '.join(args)}` in js/seal exited with {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}",
            pytrace=False,
        )
    return result.stdout


def installed_packages() -> Path:
    """js/seal with its node_modules installed from package-lock.json; returns js/seal."""
    lock = Path(tempfile.gettempdir()) / (
        "portal-seal-npm-" + hashlib.sha256(str(SEAL).encode()).hexdigest()[:16] + ".lock"
    )
    marker = SEAL / "node_modules" / ".package-lock.json"
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        lock_file = SEAL / "package-lock.json"
        if not marker.exists() or marker.stat().st_mtime < lock_file.stat().st_mtime:
            run(["npm", "ci", "--no-audit", "--no-fund"], timeout=600)
    return SEAL
