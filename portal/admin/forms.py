"""Admins' forms, and the form a new account holder fills in to join."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate 3.3
from wtforms.validators import DataRequired, EqualTo, Length

from portal.core.authentication import MAX_PASSPHRASE_LENGTH
from portal.store.models import Role


class InviteForm(FlaskForm):
    """Create a one-time link for a new account of a role."""

    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.capitalize()) for r in Role])
    submit = SubmitField("Create an invitation link")


class JoinForm(FlaskForm):
    """Choose a name and passphrase for a new account."""

    name = StringField("Your name on this service", validators=[DataRequired(), Length(max=64)])
    passphrase = PasswordField(
        "Choose a passphrase",
        validators=[DataRequired(), Length(max=MAX_PASSPHRASE_LENGTH)],
    )
    confirm = PasswordField(
        "Type it again",
        validators=[DataRequired(), EqualTo("passphrase", message="The two do not match.")],
    )
    # The words offered on the page, sent back so that a refused form offers the
    # same ones again (see signin.offered_passphrase); never used as the passphrase.
    suggestion = HiddenField()
    submit = SubmitField("Create my account")


class ButtonForm(FlaskForm):
    """A button-only POST, still with a CSRF token."""

    submit = SubmitField()
