"""Admin pages: accounts and instance settings, under /admin/."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.get("/")
def index() -> str:
    """The entry page of this area."""
    return render_template("admin/index.html")
