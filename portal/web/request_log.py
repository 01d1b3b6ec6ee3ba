"""One line per request in the portal's log: what kind of request, its status, how long.

The line names the matched URL rule (`/advocate/case/<report_id>`), never the
path as sent, so no report id, token or typed word reaches the log; nor does
the client's address, the query string, the user agent or any cookie. An
unusual method is logged as `OTHER`, since a method is any token a client
chooses. The duration runs to the response's headers: a streamed export is
timed until its first byte.

Survivors' requests (their pages, the stylesheet and scripts every visitor
loads, and addresses that match nothing) are not logged one by one, unless
the portal failed them (5xx): the journal stamps each line to the second,
and "a report was sent at 14:03:12", set beside a network's record of who
connected when, would say who reported. Charity areas and /healthz are.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, g, request
from werkzeug.wrappers import Response

log = logging.getLogger("portal.requests")

_UNLOGGED_BLUEPRINTS = frozenset({"survivor"})
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _started() -> None:
    g.request_started = time.perf_counter()


def _logged(status: int) -> bool:
    """Charity areas and the health check, and any request the portal failed."""
    if status >= 500:
        return True
    return (
        request.url_rule is not None
        and request.blueprint not in _UNLOGGED_BLUEPRINTS
        and (request.endpoint != "static")
    )


def _finished(response: Response) -> Response:
    if not _logged(response.status_code):
        return response
    started = g.get("request_started", time.perf_counter())
    log.info(
        "request method=%s rule=%s status=%d ms=%d",
        request.method if request.method in _METHODS else "OTHER",
        request.url_rule.rule if request.url_rule is not None else "-",
        response.status_code,
        round((time.perf_counter() - started) * 1000),
    )
    return response


def init_app(app: Flask) -> None:
    """Time every request from its start and log it as it ends."""
    app.before_request_funcs.setdefault(None, []).insert(0, _started)
    app.after_request(_finished)
