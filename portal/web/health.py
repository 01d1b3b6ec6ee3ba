"""`/healthz`: a probe for load balancers and monitors, saying ok or not and nothing more.

It reads no session, sets no cookie and passes no throttle (a probe every
few seconds must never count as a guess), and its body holds no count,
version or reason that would tell a stranger about the server. The security
headers, `no-store` among them, apply as to every response.
"""

from __future__ import annotations

from flask import Flask, Response, current_app

from portal.core.health import database_ready

READY, NOT_READY = "ok", "unavailable"


def healthz() -> Response:
    """200 `ok` when the database answers at the code's schema, else 503."""
    ready = database_ready(current_app.extensions["store"].engine)
    return Response(
        READY if ready else NOT_READY, status=200 if ready else 503, mimetype="text/plain"
    )


def init_app(app: Flask) -> None:
    """Serve the probe at /healthz."""
    app.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])
