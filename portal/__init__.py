"""The reporting portal: a Flask application with one blueprint per audience."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

import config as config_module
from portal import admin, advocate, cli, staff, survivor
from portal.core import logs
from portal.web import (
    database,
    errors,
    health,
    processes,
    request_log,
    rich_text,
    scripts,
    security,
    uploads,
)

csrf = CSRFProtect()


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: load the configuration, then wire each part in.

    `overrides` may name `instance_path` and any Config field (tests use it
    for cheap Argon2 settings); everything else comes from the instance.
    """
    settings = dict(overrides or {})
    instance_path: Path | None = settings.pop("instance_path", None)
    config = config_module.load(instance_path, **settings)

    app = Flask(__name__, instance_path=str(config.instance_path))
    app.config.update(
        SECRET_KEY=config.secret_key,
        TESTING=config.testing,
        # Each file is held to max_upload_bytes as it streams in; the whole
        # request may carry a few of them.
        MAX_CONTENT_LENGTH=uploads.max_request_bytes(config.max_upload_bytes),
        # Text fields are parsed in memory: room for an over-long account to
        # reach the form and get a clear message with the text kept.
        MAX_FORM_MEMORY_SIZE=2 * 1024 * 1024,
        # The report form has about 40 fields; refuse requests built to have thousands.
        MAX_FORM_PARTS=100,
        # A survivor may take hours over an account: the form must not expire
        # and lose it. The token still dies with the session.
        WTF_CSRF_TIME_LIMIT=None,
        # Pages send no Referer (Referrer-Policy: no-referrer), so Flask-WTF's
        # same-origin Referer check would refuse every form posted over HTTPS.
        # The CSRF token and SameSite=Strict cookies are the defence.
        WTF_CSRF_SSL_STRICT=False,
        PORTAL=config,
    )
    logs.configure()
    request_log.init_app(app)
    instance_store = database.init_app(app, config)
    uploads.init_app(app)
    security.init_app(app, config)
    csrf.init_app(app)
    errors.init_app(app)
    rich_text.init_app(app)
    scripts.init_app(app)
    cli.init_app(app)
    processes.init_app(app, instance_store)
    health.init_app(app)
    for blueprint in (survivor.bp, advocate.bp, staff.bp, admin.bp):
        app.register_blueprint(blueprint)
    return app
