"""The statistics drawn: one SVG bar chart a table, saying no more than its numbers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from portal.staff.statistics import FEWER_CSV, SUPPRESS_BELOW, WITHHELD, Suppression, Table

# Chart geometry, in SVG user units.
_LABEL_WIDTH = 300
_BAR_WIDTH = 280
_VALUE_WIDTH = 110
_ROW = 26
_BAR = 18
_TOP = 8
_INK = "#0b0c0c"
_BAR_FILL = "#1d70b8"
_GREY = "#6f777b"


def chart_svg(table: Table) -> str:
    """A horizontal bar chart of one table as SVG markup; every text escaped by ElementTree.

    Suppressed cells are hatched grey bars labelled "<5" spanning the whole range
    they could be in, so the drawing says no more than the number would. Only
    presentation attributes are used: the CSP forbids inline styles.
    """
    width = _LABEL_WIDTH + _BAR_WIDTH + _VALUE_WIDTH
    height = _TOP * 2 + _ROW * max(len(table.cells), 1)
    scale_top = max([c.count for c in table.cells if c.count is not None] + [SUPPRESS_BELOW])
    title_id, desc_id = f"chart-{table.key}-title", f"chart-{table.key}-desc"
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {width} {height}",
            "width": str(width),
            "height": str(height),
            "role": "img",
            "aria-labelledby": f"{title_id} {desc_id}",
            "font-family": "sans-serif",
            "font-size": "13",
        },
    )
    ET.SubElement(svg, "title", {"id": title_id}).text = table.title
    described = "; ".join(f"{c.category}: {c.shown}" for c in table.cells) or "No reports."
    ET.SubElement(svg, "desc", {"id": desc_id}).text = described
    defs = ET.SubElement(svg, "defs")
    hatch = ET.SubElement(
        defs,
        "pattern",
        {
            "id": f"hatch-{table.key}",
            "width": "6",
            "height": "6",
            "patternUnits": "userSpaceOnUse",
            "patternTransform": "rotate(45)",
        },
    )
    ET.SubElement(hatch, "rect", {"width": "6", "height": "6", "fill": "#dee0e2"})
    ET.SubElement(
        hatch,
        "line",
        {"x1": "0", "y1": "0", "x2": "0", "y2": "6", "stroke": _GREY, "stroke-width": "2"},
    )
    for row, cell in enumerate(table.cells):
        y = _TOP + row * _ROW
        ET.SubElement(
            svg,
            "text",
            {"x": str(_LABEL_WIDTH - 8), "y": str(y + 14), "text-anchor": "end", "fill": _INK},
        ).text = cell.category
        if cell.count is not None:
            length, fill, label = cell.count / scale_top, _BAR_FILL, str(cell.count)
        elif cell.suppression is Suppression.SMALL:
            length, fill, label = (
                (SUPPRESS_BELOW - 1) / scale_top,
                f"url(#hatch-{table.key})",
                FEWER_CSV,
            )
        else:
            length, fill, label = 0.0, _GREY, WITHHELD
        bar = max(round(length * _BAR_WIDTH, 1), 2.0)
        ET.SubElement(
            svg,
            "rect",
            {
                "x": str(_LABEL_WIDTH),
                "y": str(y + (_ROW - _BAR) // 2 - 2),
                "width": str(bar),
                "height": str(_BAR),
                "fill": fill,
                "stroke": _GREY if cell.count is None else "none",
            },
        )
        ET.SubElement(
            svg, "text", {"x": str(_LABEL_WIDTH + bar + 6), "y": str(y + 14), "fill": _INK}
        ).text = label
    return ET.tostring(svg, encoding="unicode")
