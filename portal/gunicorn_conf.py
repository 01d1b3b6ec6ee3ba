"""gunicorn settings for `portal serve`.

No access log at all: it would record client addresses and times. The error
log goes through the same address-redacting filter as the portal's own log.
"""

import multiprocessing

from portal.logs import FORMAT

worker_class = "gthread"
workers = multiprocessing.cpu_count()
# Threads let a slow request (an Argon2id login) run while others are served.
threads = 8
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
    "filters": {"redact": {"()": "portal.logs.RedactAddresses"}},
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
