"""Staff pages: exports of consented cases, under /staff/."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal.auth import Principal, signed_in
from portal.signin import add_sign_in
from portal.store.models import Role

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")
add_sign_in(bp)


@bp.get("/")
@signed_in(Role.STAFF)
def index(principal: Principal) -> str:
    """The staff area's entry page."""
    return render_template("staff/index.html", principal=principal)
