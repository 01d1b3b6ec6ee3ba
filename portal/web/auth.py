"""Who is signed in: the charity session cookie, and the decorator that passes the principal."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, redirect, request, url_for

from portal.core import account_sessions
from portal.store.models import Role
from portal.web.database import db
from portal.web.security import Cookie, read_cookie

LOGIN_ENDPOINT = {
    Role.ADVOCATE: "advocate.login",
    Role.STAFF: "staff.login",
    Role.ADMIN: "admin.login",
}


def signed_in(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Pass the signed-in principal to the view; others go to sign in, wrong roles get 404.

    A 404 rather than 403 means no page reveals what exists behind it.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            principal = account_sessions.resume(db(), read_cookie(Cookie.CHARITY))
            if principal is None:
                return redirect(url_for(LOGIN_ENDPOINT[roles[0]], next=request.path))
            if principal.role not in roles:
                abort(404)
            return view(principal, *args, **kwargs)

        return wrapped

    return decorate
