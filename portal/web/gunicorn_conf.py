"""gunicorn settings for `portal serve`.

No access log at all: it would record client addresses and times. The error
log goes through the same address-redacting filter as the portal's own log.
"""

import gc
import multiprocessing
from typing import Any

from portal.core.logs import FORMAT

worker_class = "gthread"
workers = multiprocessing.cpu_count()
# Threads let a slow request (an Argon2id login) run while others are served.
threads = 8
# Load the app once, in the master, before forking: the workers then share
# the memory of its code (copy-on-write) instead of each importing its own.
preload_app = True
accesslog = None
# The control socket is not used; leave nothing outside the instance.
control_socket_disable = True
errorlog = "-"
loglevel = "info"
timeout = 120
limit_request_line = 8190
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "portal.core.logs.RedactAddresses"}},
    "formatters": {"plain": {"format": FORMAT}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["redact"],
            "formatter": "plain",
        }
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}


def when_ready(server: Any) -> None:
    """Close the database connections the master opened while loading the app.

    It runs before the first worker is forked, so no worker inherits an open
    SQLite connection (or its lock file) from the master.
    """
    store = getattr(server.app.wsgi(), "extensions", {}).get("store")
    if store is not None:
        store.engine.dispose()
    # Keep the garbage collector away from what the app loaded, so the shared
    # pages stay shared: collecting them would write to every one.
    gc.freeze()
