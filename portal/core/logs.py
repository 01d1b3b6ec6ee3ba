"""Logging that cannot record who a visitor is.

A request is logged only as one line naming its URL rule, status and
duration (web/request_log.py): never its address, path, query or content.
As a second line of defence, every log record
passes through a filter that replaces anything shaped like an IP address, so
a library that logs a client address by mistake still writes nothing
identifying. Log lines carry no timestamps of their own.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import sys
import traceback
from urllib.parse import urlsplit

_IPV4 = r"\b(?:\d{1,3}\.){3}\d{1,3}\b"
# Any run of hex groups with at least two colons (covers ::1, fe80::…, full form).
_IPV6 = r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"
_ADDRESS = re.compile(f"{_IPV4}|{_IPV6}")
REDACTED = "[address]"
FORMAT = "%(levelname)s %(name)s: %(message)s"


# gunicorn's line naming where it listens: "Listening at: http://127.0.0.1:5000 (1234)".
_LISTENING = re.compile(r"Listening at: (?P<urls>[^\s,]+(?:,[^\s,]+)*) \((?P<pid>\d+)\)")


def redact(text: str) -> str:
    """Replace anything that looks like an IPv4 or IPv6 address."""
    return _ADDRESS.sub(REDACTED, text)


def _on_loopback(url: str) -> bool:
    try:
        return ipaddress.ip_address(urlsplit(url).hostname or "").is_loopback
    except ValueError:
        return False


def _listening_on_loopback(record: logging.LogRecord, message: str) -> str | None:
    """gunicorn's listening line, when every address in it is loopback.

    That is the portal's own address, never a client's, and the operator needs
    it to know where to point the browser; any other address is redacted.
    """
    found = _LISTENING.fullmatch(message) if record.name.startswith("gunicorn") else None
    if found is None or not all(_on_loopback(url) for url in found["urls"].split(",")):
        return None
    return f"Listening at {found['urls']} (process {found['pid']})"


class RedactAddresses(logging.Filter):
    """A handler filter that strips IP addresses from every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message once, redacted, and drop the exception text."""
        message = record.getMessage()
        record.msg = _listening_on_loopback(record, message) or redact(message)
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
