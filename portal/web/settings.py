"""The running app's configuration, for code that runs inside a request."""

from __future__ import annotations

from flask import current_app

from config import Config


def portal_config() -> Config:
    """The configuration of the running app."""
    config: Config = current_app.config["PORTAL"]
    return config
