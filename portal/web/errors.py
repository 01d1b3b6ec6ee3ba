"""Error pages: a plain message for every failure, never a stack trace.

Expected failures are named where they are raised and turned into a page
here. Anything unexpected is logged by type and code location only (messages
may quote what someone typed) and shown as a neutral apology.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from crypto.errors import CryptoError
from portal.core.logs import describe_exception

log = logging.getLogger("portal.web.errors")

MESSAGES = {
    400: ("Something went wrong with that request", "Please go back and try again."),
    403: ("You cannot open this page", "You do not have access to this page."),
    404: ("Page not found", "There is nothing at this address. Check it and try again."),
    405: ("Something went wrong with that request", "Please go back and try again."),
    413: (
        "That was too large to send",
        "The file or text was over the size limit. Nothing was saved; go back and "
        "try a smaller file.",
    ),
    429: (
        "Too many attempts",
        "Please wait a few minutes before trying again.",
    ),
    500: (
        "Sorry, something went wrong on our side",
        "Nothing you sent has been shown to anyone. Please try again in a few minutes.",
    ),
}


def render_error(status: int) -> tuple[str, int]:
    """The error page for a status code."""
    title, detail = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    return render_template("error.html", title=title, detail=detail), status


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(CSRFError)
    def _csrf_failed(_error: CSRFError) -> tuple[str, int]:
        title = "This form has expired"
        detail = "For your safety, forms expire. Please go back, reload the page and try again."
        return render_template("error.html", title=title, detail=detail), 400

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[str, int]:
        return render_error(error.code or 500)

    @app.errorhandler(CryptoError)
    def _integrity_failed(error: CryptoError) -> tuple[str, int]:
        # A record that does not open, which a page did not expect: stored data altered,
        # or a report a hostile browser sealed with what the portal never writes.
        log.warning("integrity failure: %s", describe_exception(error))
        title = "This report could not be opened"
        detail = (
            "What is stored did not pass its integrity check, so it cannot be shown. "
            "Nothing was changed."
        )
        return render_template("error.html", title=title, detail=detail), 422

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        log.error("unexpected error: %s", describe_exception(error))
        return render_error(500)
