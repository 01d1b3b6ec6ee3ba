"""The layers keep to their rooms: read every import from the source, run none.

core/ is the domain and knows nothing of the web or the command line; store/
sits below it; each audience stands on core/ and web/ without leaning on
another audience; crypto/ is a pure library; bench/ never borrows from the
tests. A rule broken here would still run, which is why a test watches it.
"""

from __future__ import annotations

import ast
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AUDIENCES = ("survivor", "advocate", "staff", "admin")
WEB_FRAMEWORKS = ("flask", "flask_wtf", "werkzeug", "click")
CHECKED = ("portal", "crypto", "bench")


@dataclass(frozen=True)
class Rule:
    """Modules under `where` (a path prefix) may not import any of `forbidden`."""

    where: str
    forbidden: tuple[str, ...]
    why: str


RULES = (
    Rule(
        "portal/core/",
        (*WEB_FRAMEWORKS, "portal.web", "portal.cli", *(f"portal.{a}" for a in AUDIENCES)),
        "the domain imports no web framework, command line or audience",
    ),
    Rule(
        "portal/store/",
        (
            *WEB_FRAMEWORKS,
            "portal.core",
            "portal.web",
            "portal.cli",
            *(f"portal.{a}" for a in AUDIENCES),
        ),
        "the store sits below the domain",
    ),
    Rule(
        "portal/web/",
        ("click", "portal.cli", *(f"portal.{a}" for a in AUDIENCES)),
        "what the areas share leans on none of them",
    ),
    *(
        Rule(
            f"portal/{audience}/",
            ("click", "portal.cli", *(f"portal.{a}" for a in AUDIENCES if a != audience)),
            "an audience never leans on another",
        )
        for audience in AUDIENCES
    ),
    Rule("crypto/", ("portal", "config", "flask", "sqlalchemy"), "crypto is a pure library"),
    Rule("bench/", ("tests",), "the benchmark shares code with the tests, never imports them"),
    Rule("config.py", ("flask", "click", "portal"), "configuration is read before the app exists"),
)


def imported_modules(path: Path, root: Path) -> Iterator[tuple[int, str]]:
    """Every module a file imports (inside functions too), by line, as a full dotted name."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            yield node.lineno, base
            # `from portal import web` imports portal.web.
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def _is_within(module: str, forbidden: str) -> bool:
    return module == forbidden or module.startswith(forbidden + ".")


def violations(root: Path, sources: list[Path] | None = None) -> list[str]:
    """Each import under root (or in the given files) that breaks a rule, once per line:
    'file:line imports module (why)'."""
    found = []
    if sources is None:
        sources = [root / "config.py", *(p for d in CHECKED for p in (root / d).rglob("*.py"))]
    for path in sorted(sources):
        relative = path.relative_to(root).as_posix()
        if relative.startswith("portal/migrations/"):
            continue
        rules = [rule for rule in RULES if relative.startswith(rule.where)]
        if not rules:
            continue
        reported: set[int] = set()
        for line, module in imported_modules(path, root):
            for rule in rules:
                if line not in reported and any(_is_within(module, f) for f in rule.forbidden):
                    reported.add(line)
                    found.append(f"{relative}:{line} imports {module} ({rule.why})")
    return found


def test_every_layer_keeps_to_its_imports() -> None:
    assert violations(ROOT) == []


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the code the planted imports go into; the real tree is never changed."""
    copy = tmp_path_factory.mktemp("tree")
    for name in ("portal", "crypto", "bench"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "config.py", copy / "config.py")
    return copy


@pytest.mark.parametrize(
    ("module", "planted", "named"),
    [
        ("portal/core/reports.py", "from flask import request", "flask"),
        ("portal/core/search.py", "import werkzeug.exceptions", "werkzeug"),
        ("portal/core/instance.py", "import click", "click"),
        ("portal/core/audit.py", "from portal.web import security", "portal.web"),
        ("portal/core/evidence.py", "from portal import cli", "portal.cli"),
        ("portal/core/group_keys.py", "from portal.survivor import service", "portal.survivor"),
        ("portal/store/models/reports.py", "from portal.core import audit", "portal.core"),
        ("portal/advocate/service.py", "from portal.staff import bundle", "portal.staff"),
        ("portal/staff/views.py", "from ..survivor import forms", "portal.survivor"),
        ("portal/web/errors.py", "from portal.admin import views", "portal.admin"),
        ("crypto/envelope.py", "from portal.core import bindings", "portal"),
        ("bench/server.py", "from tests.conftest import make_app", "tests"),
    ],
)
def test_a_planted_import_is_caught(tree_copy: Path, module: str, planted: str, named: str) -> None:
    target = tree_copy / module
    original = target.read_text()
    try:
        # Planted inside a function, where a quick grep of the header would miss it.
        target.write_text(original + f"\n\ndef _planted() -> None:\n    {planted}  # noqa\n")
        found = violations(tree_copy, [target])
        assert any(f.startswith(f"{module}:") and f" imports {named}" in f for f in found), found
    finally:
        target.write_text(original)
    assert not any(planted in line for line in original.splitlines())


def _code_files() -> list[Path]:
    return [
        path
        for directory in ("portal", "crypto")
        for path in (ROOT / directory).rglob("*.py")
        if "migrations" not in path.parts
    ]


def test_no_module_is_over_400_lines() -> None:
    long = {
        path.relative_to(ROOT).as_posix(): lines
        for path in _code_files()
        if (lines := len(path.read_text().splitlines())) > 400
    }
    assert long == {}


def _is_route(decorator: ast.expr) -> bool:
    """`@bp.get(...)`, `@bp.post(...)` or `@bp.route(...)`."""
    return (
        isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Attribute)
        and decorator.func.attr in {"get", "post", "route"}
    )


def _views(tree: ast.Module) -> Iterator[ast.FunctionDef]:
    """Functions routed by a decorator or passed to `add_url_rule`."""
    registered = {
        node.args[2].id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "add_url_rule"
        and len(node.args) >= 3
        and isinstance(node.args[2], ast.Name)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and (
            node.name in registered or any(_is_route(d) for d in node.decorator_list)
        ):
            yield node


def test_no_view_is_over_30_lines() -> None:
    long = {
        f"{path.relative_to(ROOT).as_posix()}:{view.name}": length
        for path in _code_files()
        for view in _views(ast.parse(path.read_text()))
        if (length := (view.end_lineno or view.lineno) - view.lineno + 1) > 30
    }
    assert long == {}


_QUERIES = {"get", "scalar", "scalars", "execute", "query", "add", "delete"}


def test_no_view_module_queries_the_database() -> None:
    """Views pass the request's session to a service; the service queries."""
    views = [*(ROOT / "portal").glob("*/views.py"), ROOT / "portal/web/signin.py"]
    found = []
    for path in views:
        tree = ast.parse(path.read_text())
        found += [
            f"{path.relative_to(ROOT)}:{line} imports {module}"
            for line, module in imported_modules(path, ROOT)
            if _is_within(module, "sqlalchemy")
        ]
        found += [
            f"{path.relative_to(ROOT)}:{node.lineno} db().{node.func.attr}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _QUERIES
            and isinstance(node.func.value, ast.Call)
            and getattr(node.func.value.func, "id", None) == "db"
        ]
    assert len(views) == 5
    assert found == []
