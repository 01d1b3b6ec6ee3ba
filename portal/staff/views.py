"""Staff pages: exports of consented cases, under /staff/."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")


@bp.get("/")
def index() -> str:
    """The entry page of this area."""
    return render_template("staff/index.html")
