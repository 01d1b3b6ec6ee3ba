"""The two ways a survivor's report is sent, measured side by side on every store.

Sealed by the server: the report form is posted (POST /report) and the
server encrypts the account and seals its key. Sealed in the browser: the
load client seals it as the survivor's browser does (bench/sealed.py) and
posts the envelopes (POST /report/sealed); the server checks and stores
them. The budgets of DESIGN.md were set for the first; the second is
information beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.budgets import Figure, value_shown
from bench.stores import LABELS, scenario


@dataclass(frozen=True)
class SubmissionPath:
    """How one kind of submission is run by locust, named and judged."""

    key: str  # in --scenarios
    user_class: str  # in bench/locustfile.py
    post: str  # the POST's name in the samples
    visit: str  # the whole visit's name in the samples
    scenario: str  # in the table
    judged: bool  # against DESIGN.md's submission budget (on SQLCipher)
    label: str

    @property
    def details_key(self) -> str:
        """Where its details go in results.json, and its share of the CPU others took."""
        return f"{self.scenario}s"


SERVER = SubmissionPath(
    "submissions",
    "Survivor",
    "POST /report",
    "submission",
    "submission",
    True,
    "sealed by the server",
)
SEALED = SubmissionPath(
    "sealed",
    "SealedSurvivor",
    "POST /report/sealed",
    "sealed submission",
    "sealed submission",
    False,
    "sealed in the browser",
)
PATHS = (SERVER, SEALED)

# The figures compared: (figure name on the server path, on the sealed path, row label).
_COMPARED = (
    ("throughput", "throughput", "submissions ending with a codename or reference"),
    ("POST /report p95", "POST /report/sealed p95", "POST p95"),
    ("GET + POST p95", "GET + POST p95", "visit p95"),
    ("errors", "errors", "errors"),
    ("server CPU per submission", "server CPU per submission", "server CPU per submission"),
    ("server memory (PSS, all processes)", "server memory (PSS, all processes)", "server memory"),
    (None, "client CPU per envelope set", "client CPU per envelope set (median)"),
)


def compared(figures: list[Figure], stores: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """For results.json: per store, each compared figure's value on each path."""
    found = {(f.scenario, f.name): f for f in figures}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for store in stores:
        rows: dict[str, dict[str, Any]] = {}
        for server_name, sealed_name, label in _COMPARED:
            cells = {
                path.key: found.get((scenario(path.scenario, store), name))
                for path, name in ((SERVER, server_name), (SEALED, sealed_name))
                if name is not None
            }
            if any(cell is not None for cell in cells.values()):
                rows[label] = {
                    key: None if cell is None else {"value": cell.value, "unit": cell.unit}
                    for key, cell in cells.items()
                }
        if rows:
            out[store] = rows
    return out


def side_by_side(figures: list[Figure], stores: list[str]) -> str:
    """The two paths' figures, a column for each path on each store that ran both."""
    table = compared(figures, stores)
    if not table:
        return ""
    found = {(f.scenario, f.name): f for f in figures}
    columns = [(store, path) for store in table for path in PATHS]
    header = ("figure", *(f"{LABELS[store]}, {path.label}" for store, path in columns))
    rows = [header]
    for server_name, sealed_name, label in _COMPARED:
        names = {SERVER.key: server_name, SEALED.key: sealed_name}
        cells = []
        for store, path in columns:
            name = names[path.key]
            figure = None if name is None else found.get((scenario(path.scenario, store), name))
            cells.append("-" if figure is None else value_shown(figure))
        if any(cell != "-" for cell in cells):
            rows.append((label, *cells))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)
