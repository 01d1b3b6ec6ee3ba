"""What the forms of several areas share: the filter that cleans submitted text."""

from __future__ import annotations

import re
from typing import Any

# Control characters other than tab and newlines carry no meaning in typed
# text and upset later readers (PDF, CSV, terminals: U+009B starts an
# escape sequence): drop them, C0 and C1 alike, and keep everything else.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value: Any) -> Any:
    """Drop control characters and surrounding space from a submitted string."""
    if isinstance(value, str):
        return _CONTROL.sub("", value).strip()
    return value
