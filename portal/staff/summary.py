"""The case bundle's readable PDF summary of one case.

fpdf2 and fontTools take about 20 MB of memory once imported, so this module
is imported by the first export, not by every server process when it starts.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from fpdf import FPDF

from portal.core.consent import PREPARED_FOR
from portal.core.vocabulary import CONTACT_METHODS, HARMS, OFFICER_ROLES

# fpdf2 and fontTools log the characters a font lacks: a survivor's words
# must never reach a log, so they are silenced.
for _name in ("fpdf", "fontTools"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

_HARM_LABELS = dict(HARMS)
_ROLE_LABELS = {value: label for value, label in OFFICER_ROLES if value}
_CONTACT_LABELS = dict(CONTACT_METHODS)
_AUTHORS = {"survivor": "Survivor", "advocate": "Advocate"}

# DejaVu covers the scripts survivors write in; installed from Debian by `make`.
FONT_DIRECTORIES = (Path("/usr/share/fonts/truetype/dejavu"),)


class _Summary(FPDF):
    family_name = "helvetica"

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family_name, size=8)
        self.cell(0, 8, f"Page {self.page_no()}", align="C")


def _font_path(name: str) -> Path:
    for directory in FONT_DIRECTORIES:
        if (directory / name).exists():
            return directory / name
    raise FileNotFoundError(f"{name} is missing: install the fonts-dejavu-core package")


def _texts(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False)


def _document(record: dict[str, Any]) -> _Summary:
    """A blank document whose font covers every character of the record.

    The built-in Helvetica (Windows-1252) needs no font file and costs a few
    milliseconds; parsing a TrueType font costs about 200, so DejaVu is used
    only when a record holds characters Windows-1252 lacks (other scripts,
    emoji). That keeps an export of a thousand cases within its budget.
    """
    pdf = _Summary(format="A4")
    pdf.set_auto_page_break(True, margin=18)
    try:
        _texts(record).encode("cp1252")
    except UnicodeEncodeError:
        pdf.add_font("body", fname=str(_font_path("DejaVuSans.ttf")))
        pdf.add_font("body", style="B", fname=str(_font_path("DejaVuSans-Bold.ttf")))
        pdf.family_name = "body"
    else:
        pdf.core_fonts_encoding = "windows-1252"
        pdf.family_name = "helvetica"
    return pdf


def _consent_words(change: dict[str, bool]) -> str:
    """One consent change in words: "advocates may read, legal team (with messages)"."""
    kinds = ["advocates may read"] if change["advocates_may_read"] else []
    for name, export, messages in (
        ("legal team", "export_legal", "messages_legal"),
        ("IOPC", "export_iopc", "messages_iopc"),
    ):
        if change[export]:
            kinds.append(f"{name} ({'with' if change[messages] else 'without'} messages)")
    if change["export_statistics"]:
        kinds.append("statistics")
    return ", ".join(kinds) or "nothing consented"


def summary_pdf(record: dict[str, Any]) -> bytes:
    """A readable PDF of one case; for IOPC it follows a police complaint's fields."""
    pdf = _document(record)
    pdf.add_page()
    account = record["account"]
    complaint = record["purpose"] == "iopc"

    def heading(text: str) -> None:
        pdf.set_font(pdf.family_name, "B", 13)
        pdf.ln(3)
        pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")

    def item(label: str, value: str) -> None:
        pdf.set_font(pdf.family_name, "B", 10)
        pdf.multi_cell(0, 5, label, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(pdf.family_name, "", 10)
        pdf.multi_cell(0, 5, value or "Not given", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    pdf.set_font(pdf.family_name, "B", 16)
    title = "Police complaint summary" if complaint else "Case summary"
    pdf.multi_cell(0, 9, f"{title}: {record['reference']}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family_name, "B", 11)
    pdf.multi_cell(
        0, 6, f"Prepared for {PREPARED_FOR[record['purpose']]}", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font(pdf.family_name, "", 9)
    pdf.multi_cell(
        0,
        5,
        f"Exported {record['exported_on']}. "
        f"Received {record['received_on']}. Status: {record['status']}.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    officers = "\n".join(
        ", ".join(
            v for v in (o["name"], o["number"], o["rank"], _ROLE_LABELS.get(o["role"], "")) if v
        )
        for o in record["officers"]
    )
    harms = ", ".join(_HARM_LABELS.get(h, h) for h in account["harms"])
    if account["harm_other"]:
        harms = f"{harms} ({account['harm_other']})" if harms else account["harm_other"]
    heading("Who was involved")
    item("Police force", account["force"])
    item("Officers", officers)
    heading("What happened")
    item("Account in the survivor's words", account["what_happened"])
    for number, addition in enumerate(account["additions"], start=1):
        item(f"Added later by the survivor ({number}), {addition['date']}", addition["text"])
    item("When", account["when"])
    item("Where", account["where"])
    item("Witnesses", "Any witnesses are described in the account above.")
    item("Injury and kinds of harm", harms)
    item(
        "Reported before",
        " - ".join(v for v in (account["reported_before"], account["reported_outcome"]) if v),
    )
    if not complaint:
        item(
            "How to contact the survivor",
            " - ".join(
                v
                for v in (
                    _CONTACT_LABELS.get(account.get("contact_method", ""), ""),
                    account.get("contact_details", ""),
                )
                if v
            ),
        )
    heading("Messages with the advocates")
    if not record["messages_included"]:
        item(
            "Not included",
            "The survivor did not agree to share their messages with the advocates for "
            "this purpose.",
        )
    for entry in record["messages"]:
        item(f"{entry['date']} - {_AUTHORS.get(entry['author'], entry['author'])}", entry["text"])
    if record["messages_included"] and not record["messages"]:
        item("Messages", "None")
    heading("Consent")
    for change in record["consent"]["history"]:
        item(change["recorded_on"], _consent_words(change))
    heading("Files")
    for file in record["files"]:
        # A recipient checks each file against its hash: a file's name, type, size
        # and hash stay together on one page, never split by a page break.
        with pdf.unbreakable() as block:
            block.set_font(pdf.family_name, "B", 10)
            block.multi_cell(0, 5, file["path"], new_x="LMARGIN", new_y="NEXT")
            block.set_font(pdf.family_name, "", 10)
            block.multi_cell(
                0,
                5,
                f"{file['media_type']}, {file['size']} bytes\nSHA-256 {file['sha256']}",
                new_x="LMARGIN",
                new_y="NEXT",
            )
            block.ln(1)
    if not record["files"]:
        item("Files", "None")
    if record["left_out"]:
        heading("Left out")
        for part in record["left_out"]:
            item(part["part"].capitalize(), f"{part['reason'].capitalize()}: not included.")
    return bytes(pdf.output())
