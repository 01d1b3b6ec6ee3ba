"""The portal's scripts, each loaded with its Subresource Integrity hash.

A template names a script with `{{ script("report.js") }}`: a `<script>`
element with `src`, `integrity` (the SHA-384 of the file the portal serves)
and `defer` (`type="module"` for a module). Every page also sends
`Integrity-Policy` (web/security.py), so a browser that honours it runs no
script without a hash: one slipped into a page, or added by a script, is
refused. A hash is read from its file once, and again whenever the file changes.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from pathlib import Path

from flask import Flask, url_for
from markupsafe import Markup

STATIC = Path(__file__).resolve().parents[1] / "static"
_DEFERRED = Markup('<script src="{}" integrity="{}" crossorigin="anonymous" defer></script>')
_MODULE = Markup('<script src="{}" integrity="{}" crossorigin="anonymous" type="module"></script>')


def integrity(filename: str) -> str:
    """The `integrity` value of a file in portal/static/: "sha384-" and its base64 digest."""
    path = STATIC / filename
    return _digest(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _digest(path: Path, _modified: int) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


def script(filename: str, module: bool = False) -> Markup:
    """The element that loads one of the portal's scripts, after the page is read (a
    module, such as seal.js, is run after the page is read without being told)."""
    element = _MODULE if module else _DEFERRED
    return element.format(url_for("static", filename=filename), integrity(filename))


def init_app(app: Flask) -> None:
    """Offer `script(...)` to every template."""
    app.jinja_env.globals["script"] = script
