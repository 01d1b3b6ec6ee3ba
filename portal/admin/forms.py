"""Admins' forms, and the form a new account holder fills in to join."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate 3.3
from wtforms.validators import DataRequired, EqualTo, Length

from portal.core.authentication import MAX_PASSPHRASE_LENGTH
from portal.store.models import Role

MAX_OFFER_LENGTH = 256  # a sealed 32-character secret takes 84 characters of base64


class InviteForm(FlaskForm):
    """Create a one-time link for a new account of a role."""

    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.capitalize()) for r in Role])
    submit = SubmitField("Create an invitation link")


class AuthenticatorFields(FlaskForm):
    """The secret a set-up page offered (sealed), and a current code from the app."""

    # The offered TOTP secret, sealed for this link (see core.authenticators): the
    # page's answer carries it back, so the server keeps nothing in between.
    offer = HiddenField(validators=[Length(max=MAX_OFFER_LENGTH)])
    code = StringField(
        "Code from your authenticator app",
        validators=[
            DataRequired(message="Type the code your authenticator app shows now."),
            Length(max=12, message="The code is six digits."),
        ],
    )


class JoinForm(AuthenticatorFields):
    """Choose a name and passphrase for a new account, and set up its authenticator."""

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


class NewAuthenticatorForm(AuthenticatorFields):
    """A new authenticator after a reset: the passphrase opens the key it is sealed under."""

    passphrase = PasswordField(
        "Your passphrase",
        validators=[DataRequired(), Length(max=MAX_PASSPHRASE_LENGTH)],
    )
    # Shown only when the link makes her a new key (her keys were reset): she then
    # chooses the passphrase, and a slip typed once would lock her out.
    confirm = PasswordField("Your passphrase again", validators=[Length(max=MAX_PASSPHRASE_LENGTH)])
    submit = SubmitField("Set up my authenticator")


class ButtonForm(FlaskForm):
    """A button-only POST, still with a CSRF token."""

    submit = SubmitField()
