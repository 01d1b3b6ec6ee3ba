"""Sign-in and sign-out pages shared by the advocate, staff and admin areas."""

from __future__ import annotations

import logging
import re

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from crypto.words import PASSPHRASE_WORDS, listed_word_count, new_passphrase, split_words
from portal.core import account_sessions, authentication, escrow_run, grants, security_keys
from portal.core.logs import describe_exception
from portal.core.principal import Principal
from portal.store.models import Group, Role
from portal.web import processes
from portal.web import security_keys as web_keys
from portal.web.auth import signed_in
from portal.web.database import db
from portal.web.security import Cookie, clear_cookie, read_cookie, set_cookie
from portal.web.settings import portal_config
from portal.web.throttle import Throttle

log = logging.getLogger("portal.web.signin")
AREA = {Role.ADVOCATE: "advocate.index", Role.STAFF: "staff.index", Role.ADMIN: "admin.index"}
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9/_.=&%-]*")
FAILED = (
    "Those details did not work. Check your name, passphrase and the current code "
    "from your app, or use your security key again. After five failures, sign-in "
    "pauses for 15 minutes."
)
NO_CODE = (
    "Type the code your authenticator app shows now. If you have a security key, "
    "leave the code empty and touch the key when your browser asks (this needs JavaScript)."
)


class LoginForm(FlaskForm):  # type: ignore[misc]
    """Name, passphrase and the current TOTP code."""

    name = StringField("Name", validators=[DataRequired(), Length(max=64)])
    passphrase = PasswordField(
        "Passphrase", validators=[DataRequired(), Length(max=authentication.MAX_PASSPHRASE_LENGTH)]
    )
    code = StringField("Code from your authenticator app", validators=[Length(max=12)])
    # Filled by keys.js when a security key answered in place of the code.
    assertion = HiddenField()
    prf_first = HiddenField()
    prf_second = HiddenField()
    submit = SubmitField("Sign in")


class PassphraseForm(FlaskForm):  # type: ignore[misc]
    """Change the passphrase: the current one unlocks the key to rewrap."""

    current = PasswordField(
        "Current passphrase",
        validators=[DataRequired(), Length(max=authentication.MAX_PASSPHRASE_LENGTH)],
    )
    new = PasswordField(
        "New passphrase",
        validators=[DataRequired(), Length(max=authentication.MAX_PASSPHRASE_LENGTH)],
    )
    confirm = PasswordField(
        "New passphrase again",
        validators=[DataRequired(), EqualTo("new", message="The two do not match.")],
    )
    suggestion = HiddenField()  # the words offered, offered again if the form comes back
    touches = HiddenField()  # keys.js: each security key's answer, when only keys open hers
    submit = SubmitField("Change passphrase")


def offered_passphrase(sent_back: str | None) -> str:
    """The words to offer as a passphrase: those the form was showing, or new ones.

    Someone who wrote the offered words down and mistyped them must see the
    same words again, not new ones. Only a value that is exactly such words is
    offered again; any other gets new words, so nothing typed is shown back.
    """
    words = split_words(sent_back or "")
    if len(words) == PASSPHRASE_WORDS and listed_word_count(" ".join(words)) == PASSPHRASE_WORDS:
        return " ".join(words)
    return new_passphrase()


def _throttle() -> Throttle:
    throttle: Throttle = current_app.extensions["login_throttle"]
    return throttle


def _safe_next(target: str | None, role: Role) -> str:
    """Only a plain path inside the signed-in account's own area, never another host.

    The allow-list of characters matters: a browser or Werkzeug drops tabs and
    newlines, so "/\t/evil.example" would otherwise become "//evil.example".
    """
    area = url_for(AREA[role])
    if target and target.startswith(area) and _PLAIN_PATH.fullmatch(target):
        return target
    return area


def _match_if_member(cookie: str) -> None:
    """An escrow member's sign-in runs the matching: a waiting report that enough
    others name is released to the advocates now, and they hear of new activity.

    A run that fails (on rows someone altered by hand) is logged and releases
    nothing, but never stops the sign-in: every member would be locked out.
    """
    principal = account_sessions.resume(db(), cookie)
    if principal is None or not principal.holds(Group.ESCROW):
        return
    try:
        released = escrow_run.run_matching(
            db(), principal, actor=principal.name, escrow_seed=portal_config().escrow_key
        ).released
    except Exception as error:  # anything at all: the sign-in goes on without the run
        db().rollback()
        log.error("matching at sign-in failed: %s", describe_exception(error))
        return
    if released:
        processes.new_activity()


def _signed_in(form: LoginForm) -> tuple[Role, str]:
    """Sign in with the code, or with the security key whose answer keys.js put in the form."""
    name, passphrase, config = form.name.data or "", form.passphrase.data or "", portal_config()
    if not form.assertion.data:
        return account_sessions.sign_in(db(), name, passphrase, form.code.data or "", config.argon2)
    try:
        answer = web_keys.answer(
            form.assertion.data, form.prf_first.data, form.prf_second.data or ""
        )
    except ValueError:
        raise authentication.LoginFailed from None
    return account_sessions.sign_in_with_key(
        db(),
        web_keys.challenges(),
        web_keys.relying_party(),
        name,
        passphrase,
        answer,
        config.argon2,
    )


def _change_passphrase(principal: Principal, form: PassphraseForm, locked: bool) -> tuple[str, ...]:
    """Wrap her key again under the new passphrase: two Argon2id calls, or two for
    each security key she touched when only keys open it; the keys she did not
    touch are removed, and named."""
    current, new, argon2 = form.current.data or "", form.new.data or "", portal_config().argon2
    if not locked:
        authentication.change_passphrase(db(), principal.account_id, current, new, argon2)
        return ()
    return security_keys.change_passphrase(
        db(),
        web_keys.challenges(),
        web_keys.relying_party(),
        principal.account_id,
        current,
        new,
        web_keys.answers(form.touches.data),
        argon2,
    ).removed


def add_sign_in(bp: Blueprint) -> None:
    """Give an area its /login and /logout pages."""

    @bp.record_once
    def _create_throttle(state: BlueprintSetupState) -> None:
        # Failed sign-ins: 20 per client per 15 minutes, 500 overall.
        state.app.extensions.setdefault(
            "login_throttle",
            Throttle.for_app(
                state.app, "signin", per_client=20, overall=500, window_seconds=15 * 60
            ),
        )

    def login() -> Response | str | tuple[str, int]:
        """Sign in with name, passphrase and TOTP: one Argon2id call."""
        form = LoginForm()
        if not form.validate_on_submit():
            return render_template("signin.html", form=form)
        if not _throttle().allowed(request.remote_addr):
            return render_template("signin.html", form=form, error=FAILED), 429
        if not form.assertion.data and not (form.code.data or "").strip():
            return render_template("signin.html", form=form, error=NO_CODE), 200
        try:
            role, cookie = _signed_in(form)
        except authentication.LoginFailed:
            _throttle().failed(request.remote_addr)
            form.code.data = ""  # a one-time code, right or wrong, is never shown back
            form.assertion.data = form.prf_first.data = form.prf_second.data = ""
            return render_template("signin.html", form=form, error=FAILED), 200
        _match_if_member(cookie)
        response = redirect(_safe_next(request.args.get("next"), role), code=303)
        set_cookie(response, Cookie.CHARITY, cookie, int(account_sessions.ABSOLUTE.total_seconds()))
        return response

    def logout() -> Response:
        """Sign out: the server side of the session is destroyed."""
        account_sessions.end(db(), read_cookie(Cookie.CHARITY))
        response = redirect(url_for(f"{bp.name}.login"), code=303)
        clear_cookie(response, Cookie.CHARITY)
        return response

    area_role = Role(bp.name)  # the areas are named after their roles

    @signed_in(area_role, *(role for role in Role if role is not area_role))
    def passphrase(principal: Principal) -> str:
        """Your account: your key's fingerprint, and changing your passphrase."""
        form = PassphraseForm()
        error, done = None, False
        removed: tuple[str, ...] = ()
        locked = web_keys.key_locked(principal)
        if form.validate_on_submit():
            try:
                removed = _change_passphrase(principal, form, locked)
                done = True
            except ValueError:
                error = web_keys.MALFORMED
            except authentication.AccountError as problem:
                error = str(problem)
        return render_template(
            "passphrase.html",
            form=form,
            error=error,
            done=done,
            area=bp.name,
            name=principal.name,
            needs_grant=principal.role in grants.ROLE_GROUP,
            fingerprint=principal.fingerprint,
            stored_fingerprint=grants.stored_fingerprint_of(db(), principal.account_id),
            suggestion=new_passphrase() if done else offered_passphrase(form.suggestion.data),
            locked=locked,
            removed=removed,
            keys=web_keys.keys_of(principal),
            check_url=url_for(f"{bp.name}.key_check_options"),
        )

    web_keys.add_security_keys(bp, _throttle)
    bp.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    bp.add_url_rule("/passphrase", "passphrase", passphrase, methods=["GET", "POST"])
    bp.add_url_rule("/logout", "logout", logout, methods=["POST"])
