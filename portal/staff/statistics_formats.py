"""The statistics as files and text: a CSV download, and tables for the terminal."""

from __future__ import annotations

import csv
import io

from portal.staff.statistics import Statistics

# Spreadsheet programs run cells that start with these as formulas.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def to_csv(statistics: Statistics) -> str:
    """Every table as CSV rows (table, category, count); small counts as "<5"."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["table", "category", "count"])
    for table in statistics.tables:
        for cell in table.cells:
            writer.writerow([table.key, _csv_safe(cell.category), cell.in_csv])
        if table.total_shown:
            writer.writerow([table.key, "Total", table.total_shown])
    return out.getvalue()


def to_text(statistics: Statistics) -> str:
    """Every table as plain text, for the terminal."""
    lines: list[str] = []
    for table in statistics.tables:
        lines.append(table.title)
        rows = [(c.category, c.shown) for c in table.cells]
        if table.total_shown:
            rows.append(("Total", table.total_shown))
        if not rows:
            lines.append("  (no reports)")
        width = max((len(category) for category, _ in rows), default=0)
        lines.extend(f"  {category:<{width}}  {shown:>14}" for category, shown in rows)
        if table.note:
            lines.append(f"  {table.note}")
        lines.append("")
    if statistics.unreadable:
        lines.append(
            "Some consented reports could not be opened with your keys, or read as the form "
            "writes them: not counted."
        )
    return "\n".join(lines).rstrip("\n") + "\n"
