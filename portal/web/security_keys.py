"""The security keys page of every charity area, and the options sign-in asks for.

The work is in `portal.core.security_keys`; here are the routes, the forms
the page posts and the JSON its script (`keys.js`, the bundle built from
js/seal/src/page/keys.js) asks for. Without JavaScript there is no WebAuthn:
the page says so, and nothing is lost.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from portal.core import account_sessions, authentication, key_challenges, key_sign_in, security_keys
from portal.core.principal import Principal
from portal.store.models import Account, Role, SecurityKey
from portal.web.auth import signed_in
from portal.web.database import db
from portal.web.forms import sent_json_object
from portal.web.security import Cookie, read_cookie
from portal.web.settings import portal_config
from portal.web.throttle import Throttle

OPTIONS_MOST_BYTES = 4096
ANSWERS_MOST_BYTES = key_challenges.MAX_KEYS * (key_challenges.MAX_RESPONSE_LENGTH + 128)
MALFORMED = (
    "Your browser's answer did not arrive whole. Reload the page and try again; "
    "nothing was changed."
)


class AddKeyForm(FlaskForm):  # type: ignore[misc]
    """Add a key: a name for it, her passphrase, and what the browser's key answered."""

    label = StringField(
        "A name for this key",
        validators=[DataRequired(), Length(max=key_challenges.MAX_LABEL_LENGTH)],
    )
    passphrase = PasswordField(
        "Your passphrase",
        validators=[DataRequired(), Length(max=authentication.MAX_PASSPHRASE_LENGTH)],
    )
    registration = HiddenField()
    confirm = HiddenField()
    confirm_prf = HiddenField()
    check = HiddenField()
    check_prf = HiddenField()
    submit = SubmitField("Add a security key")


class RemoveKeyForm(FlaskForm):  # type: ignore[misc]
    """Remove a key: a touch of another key or, if her passphrase still opens her key, it."""

    passphrase = PasswordField(
        "Your passphrase", validators=[Length(max=authentication.MAX_PASSPHRASE_LENGTH)]
    )
    check = HiddenField()
    check_prf = HiddenField()
    submit = SubmitField("Remove")


def relying_party() -> key_challenges.RelyingParty:
    """The keys are for `public_url`'s host and origin, never the request's Host."""
    return key_challenges.RelyingParty.of(portal_config().public_url)


def challenges() -> key_challenges.Challenges:
    """The instance's challenges, under its session secret."""
    return key_challenges.Challenges(portal_config().secret_key)


def answer(credential: str | None, first: str | None, second: str = "") -> key_sign_in.Answer:
    """An assertion the page posted; ValueError if it is malformed."""
    return key_sign_in.Answer.from_form(credential or "", first or "", second)


def answers(sent: str | None) -> list[key_sign_in.Answer]:
    """A JSON list of assertions (`[{credential, first}]`); ValueError if malformed."""
    if not sent or len(sent) > ANSWERS_MOST_BYTES:
        raise ValueError("no answers")
    try:
        loaded = json.loads(sent)
    except RecursionError:  # nested deeper than the parser goes: not a list of answers
        raise ValueError("not a list of answers") from None
    if not isinstance(loaded, list) or not all(isinstance(item, dict) for item in loaded):
        raise ValueError("not a list of answers")
    return [answer(str(item.get("credential", "")), str(item.get("first", ""))) for item in loaded]


def _json_request() -> dict[str, Any] | None:
    """A short JSON object, as the script sends; None for anything else."""
    return sent_json_object(OPTIONS_MOST_BYTES)


def add_security_keys(bp: Blueprint, throttle: Callable[[], Throttle]) -> None:
    """Give an area /login/key-options and /security-keys."""
    area_role = Role(bp.name)
    members = (area_role, *(role for role in Role if role is not area_role))

    def key_options() -> tuple[Response, int]:
        """Sign-in options for a name: alike for every name, whether it exists or not."""
        sent = _json_request()
        if sent is None or not isinstance(sent.get("name"), str) or len(sent["name"]) > 64:
            return jsonify(problem=MALFORMED), 400
        if not throttle().allowed(request.remote_addr):
            return jsonify(problem="Too many tries. Wait a few minutes, then try again."), 429
        options = key_challenges.sign_in_options(db(), challenges(), relying_party(), sent["name"])
        return jsonify(options), 200

    @signed_in(*members)
    def page(principal: Principal) -> str | tuple[str, int]:
        """Her keys, adding one, removing one."""
        form = AddKeyForm()
        shown: dict[str, Any] = {}
        status = 200
        if form.validate_on_submit():
            try:
                enrolled = _enrol(principal, form)
            except ValueError:
                shown["error"], status = MALFORMED, 400
            except authentication.AccountError as problem:
                shown["error"] = str(problem)
            else:
                shown.update(done=enrolled.key.label, removed=enrolled.removed)
                if not enrolled.protects:
                    shown["error"] = key_challenges.NO_PRF
                form = AddKeyForm(formdata=None)
        elif request.method == "POST":
            status = 400 if "csrf_token" in form.errors else 200
        return _render(principal, bp.name, form, **shown), status

    @signed_in(*members)
    def options(principal: Principal) -> tuple[Response, int]:
        """What the page passes to the browser to add a key (and, first, to touch one)."""
        if _json_request() is None:
            return jsonify(problem=MALFORMED), 400
        try:
            made = key_challenges.enrol_options(
                db(), challenges(), relying_party(), principal.account_id
            )
        except authentication.AccountError as problem:
            return jsonify(problem=str(problem)), 400
        return jsonify(made), 200

    @signed_in(*members)
    def check_options(principal: Principal) -> tuple[Response, int]:
        """Options to touch her keys: all in one (`each` false), or one by one."""
        sent = _json_request()
        account = db().get(Account, principal.account_id)
        if sent is None or account is None:
            return jsonify(problem=MALFORMED), 400
        keys = key_challenges.locking_keys(db(), account)
        leaving = sent.get("leaving")
        keys = [key for key in keys if key.id != leaving]
        made = [key_challenges.check_options(challenges(), relying_party(), account, keys)]
        if sent.get("each") is True:
            made = [
                key_challenges.check_options(challenges(), relying_party(), account, [key])
                for key in keys
            ]
        return jsonify(options=made if keys else []), 200

    @signed_in(*members)
    def remove(principal: Principal, key_id: int) -> str | tuple[str, int]:
        """Remove one of her keys."""
        form = RemoveKeyForm()
        if not form.validate_on_submit():
            abort(400)
        try:
            label = security_keys.remove(
                db(),
                challenges(),
                relying_party(),
                principal.account_id,
                key_id,
                form.passphrase.data or "",
                answer(form.check.data, form.check_prf.data) if form.check.data else None,
            )
        except ValueError:
            return _render(principal, bp.name, AddKeyForm(formdata=None), error=MALFORMED), 400
        except authentication.AccountError as problem:
            return _render(principal, bp.name, AddKeyForm(formdata=None), error=str(problem)), 200
        return _render(principal, bp.name, AddKeyForm(formdata=None), gone=label), 200

    bp.add_url_rule("/login/key-options", "key_options", key_options, methods=["POST"])
    bp.add_url_rule("/security-keys", "security_keys", page, methods=["GET", "POST"])
    bp.add_url_rule("/security-keys/options", "key_enrol_options", options, methods=["POST"])
    bp.add_url_rule("/security-keys/check", "key_check_options", check_options, methods=["POST"])
    bp.add_url_rule(
        "/security-keys/<int:key_id>/remove", "remove_security_key", remove, methods=["POST"]
    )


def _enrol(principal: Principal, form: AddKeyForm) -> security_keys.Enrolled:
    """Add the key the form's answers describe (ValueError if they are malformed)."""
    confirm = answer(form.confirm.data, form.confirm_prf.data) if form.confirm_prf.data else None
    enrolled = security_keys.enrol(
        db(),
        challenges(),
        relying_party(),
        principal.account_id,
        form.passphrase.data or "",
        form.label.data or "",
        form.registration.data or "",
        confirm,
        portal_config().argon2,
        check=answer(form.check.data, form.check_prf.data) if form.check.data else None,
    )
    if enrolled.protects:  # a session begun before ends: only this one goes on
        account_sessions.end_others(db(), principal.account_id, read_cookie(Cookie.CHARITY))
    return enrolled


def _render(principal: Principal, area: str, form: AddKeyForm, **context: Any) -> str:
    account = db().get(Account, principal.account_id)
    keys = key_challenges.keys_of(db(), principal.account_id)
    locked = account is not None and key_challenges.key_locked(account)
    return render_template(
        "security_keys.html",
        area=area,
        form=form,
        keys=keys,
        locked=locked,
        protects=key_challenges.protects,
        required=portal_config().security_keys_required,
        today=datetime.date.today(),
        urls={
            "options": url_for(f"{area}.key_enrol_options"),
            "check": url_for(f"{area}.key_check_options"),
        },
        **context,
    )


def key_locked(principal: Principal) -> bool:
    """Whether only her security keys open her key."""
    account = db().get(Account, principal.account_id)
    return account is not None and key_challenges.key_locked(account)


def keys_of(principal: Principal) -> list[SecurityKey]:
    """Her security keys, oldest first."""
    return key_challenges.keys_of(db(), principal.account_id)
