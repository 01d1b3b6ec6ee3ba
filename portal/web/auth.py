"""Who is signed in: the charity session cookie, and the decorator that passes the principal."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, redirect, request, url_for

from portal.core import account_sessions, key_challenges
from portal.core.principal import Principal
from portal.store.models import Account, Role
from portal.web.database import db
from portal.web.security import Cookie, read_cookie
from portal.web.settings import portal_config

LOGIN_ENDPOINT = {
    Role.ADVOCATE: "advocate.login",
    Role.STAFF: "staff.login",
    Role.ADMIN: "admin.login",
}


# What an account may use while the instance requires a security key it lacks.
_BEFORE_A_KEY = {"security_keys", "key_enrol_options", "key_check_options", "logout"}


def _must_enrol_first(principal: Principal) -> bool:
    """The instance requires keys, this account's key is not locked by one, and the
    page is not one of those that enrol a key."""
    if not portal_config().security_keys_required:
        return False
    if (request.endpoint or "").rpartition(".")[2] in _BEFORE_A_KEY:
        return False
    account = db().get(Account, principal.account_id)
    return account is not None and not key_challenges.key_locked(account)


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
            if _must_enrol_first(principal):
                return redirect(url_for(f"{request.blueprint}.security_keys"))
            return view(principal, *args, **kwargs)

        return wrapped

    return decorate
