"""What the forms of several areas share: the filter that cleans submitted text, and
the short JSON objects their pages' scripts send."""

from __future__ import annotations

import re
from typing import Any

from flask import request

# Control characters other than tab and newlines carry no meaning in typed
# text and upset later readers (PDF, CSV, terminals: U+009B starts an
# escape sequence): drop them, C0 and C1 alike, and keep everything else.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value: Any) -> Any:
    """Drop control characters and surrounding space from a submitted string."""
    if isinstance(value, str):
        return _CONTROL.sub("", value).strip()
    return value


def sent_json_object(most_bytes: int) -> dict[str, Any] | None:
    """The request's body, a JSON object of at most `most_bytes`, as a page's script
    sends; None for anything else (too long, not JSON, nested deeper than the parser
    goes, which `get_json(silent=True)` lets through, or not an object)."""
    size = request.content_length
    if size is None or size > most_bytes or not request.is_json:
        return None
    try:
        sent = request.get_json(silent=True)
    except RecursionError:
        return None
    return sent if isinstance(sent, dict) else None
