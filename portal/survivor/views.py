"""Survivor pages, served under /."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("survivor", __name__, template_folder="templates")


@bp.get("/")
def index() -> str:
    """The landing page: what the service is and who reads a report."""
    return render_template("survivor/index.html")
