"""Advocates' pages: review, triage, replies and linked cases, under /advocate/."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("advocate", __name__, url_prefix="/advocate", template_folder="templates")


@bp.get("/")
def index() -> str:
    """The entry page of this area."""
    return render_template("advocate/index.html")
