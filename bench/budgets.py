"""Figures, their budgets (DESIGN.md, "Performance budget"), noise bands and verdicts."""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass
from typing import Any

# Below this, a difference is not told apart from noise on a shared 2-core machine.
NOISE_FLOOR = 0.10


@dataclass
class Figure:
    """One measured figure, with its budget if DESIGN.md gives one."""

    scenario: str
    name: str
    value: float
    unit: str
    budget: float | None = None
    op: str = ""  # ">=" or "<=" when there is a budget
    noise: float = NOISE_FLOOR  # relative half-width of the noise band
    ceiling: str = ""  # the figure as a fraction of what the machine can do, in words
    peer: str = ""  # the same work done by a peer, as a ratio
    note: str = ""

    @property
    def verdict(self) -> str:
        """pass, within noise (missed, but by less than the band), FAIL, or info."""
        if self.budget is None or not self.op or math.isnan(self.value):
            return "info" if not math.isnan(self.value) else "FAIL"
        if self.op == ">=":
            if self.value >= self.budget:
                return "pass"
            return "within noise" if self.value >= self.budget * (1 - self.noise) else "FAIL"
        if self.value <= self.budget:
            return "pass"
        return "within noise" if self.value <= self.budget * (1 + self.noise) else "FAIL"

    def as_dict(self) -> dict[str, Any]:
        """The figure and its verdict, for results.json."""
        return asdict(self) | {"verdict": self.verdict}


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (NaN for no values)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def spread(values: list[float]) -> float:
    """Half the range of per-window values, relative to their median."""
    finite = [v for v in values if not math.isnan(v)]
    if len(finite) < 2 or statistics.median(finite) == 0:
        return 0.0
    return (max(finite) - min(finite)) / 2 / statistics.median(finite)


def band(*parts: float) -> float:
    """The noise band: the floor, the spread between windows or the drift, whichever is largest."""
    return max(NOISE_FLOOR, *parts)


def _number(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def value_shown(figure: Figure) -> str:
    """A figure's value and unit as the tables show it."""
    return f"{_number(figure.value)} {figure.unit}".strip()


def table(figures: list[Figure]) -> str:
    """The figures as a plain-text table (Markdown-compatible)."""
    rows = [("scenario", "figure", "value", "budget", "noise", "result", "vs ceiling, peer; note")]
    for f in figures:
        budget = f"{f.op} {_number(f.budget)}" if f.budget is not None else "-"
        relative = "; ".join(part for part in (f.ceiling, f.peer, f.note) if part) or "-"
        rows.append(
            (
                f.scenario,
                f.name,
                value_shown(f),
                budget,
                f"±{f.noise:.0%}",
                f.verdict,
                relative,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)
