"""Logging that cannot record who a visitor is.

No request is ever logged. As a second line of defence, every log record
passes through a filter that replaces anything shaped like an IP address, so
a library that logs a client address by mistake still writes nothing
identifying. Log lines carry no timestamps of their own.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback

_IPV4 = r"\b(?:\d{1,3}\.){3}\d{1,3}\b"
# Any run of hex groups with at least two colons (covers ::1, fe80::…, full form).
_IPV6 = r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"
_ADDRESS = re.compile(f"{_IPV4}|{_IPV6}")
REDACTED = "[address]"
FORMAT = "%(levelname)s %(name)s: %(message)s"


def redact(text: str) -> str:
    """Replace anything that looks like an IPv4 or IPv6 address."""
    return _ADDRESS.sub(REDACTED, text)


class RedactAddresses(logging.Filter):
    """A handler filter that strips IP addresses from every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message once, redacted, and drop the exception text."""
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info:
            # Exception messages can quote input; keep the type and where only.
            record.msg += " | " + describe_exception(record.exc_info[1])
            record.exc_info = None
            record.exc_text = None
        return True


def describe_exception(error: BaseException | None) -> str:
    """An exception's type and the code locations it passed, without its message."""
    if error is None:
        return "no exception"
    frames = traceback.extract_tb(error.__traceback__)
    where = " < ".join(f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" for frame in frames)
    return f"{type(error).__name__} at {where or 'unknown'}"


def handler() -> logging.Handler:
    """A stderr handler with the redacting filter."""
    stream = logging.StreamHandler(sys.stderr)
    stream.setFormatter(logging.Formatter(FORMAT))
    stream.addFilter(RedactAddresses())
    return stream


def configure() -> None:
    """Send the portal's log to stderr through the filter; silence request logs."""
    logger = logging.getLogger("portal")
    if not any(isinstance(f, RedactAddresses) for h in logger.handlers for f in h.filters):
        logger.addHandler(handler())
    logger.setLevel(logging.INFO)
    logger.propagate = False
    # Werkzeug's request log names the client's address: never enable it.
    logging.getLogger("werkzeug").disabled = True
