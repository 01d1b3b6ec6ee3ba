"""Staff forms."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate 3.3
from wtforms.validators import Length, Optional, ValidationError

from portal.core.consent import PURPOSES
from portal.staff.archive import is_age_recipient
from portal.staff.passphrases import MAX_CHARS, WeakPassphrase, check_zip_passphrase, is_generated

AGE_RECIPIENT_MAX_CHARS = 200
CHOOSE_PURPOSE = "Choose who the export is for."
NOT_CONSENTED = "The survivor has not consented to this purpose."
NO_PROTECTION = (
    "Nothing would protect the bundle: use the generated passphrase above, type a "
    "passphrase you choose, or give the recipient's age public key."
)
GENERATED_CHANGED = "The generated passphrase has changed: note the new one above and export again."


def _blank_is_none(value: str | None) -> str | None:
    """A box holding only spaces was left empty: it must neither protect the bundle
    (a ZIP under three spaces) nor slip past the checks as if it were a key."""
    return value if value and value.strip() else None


def _stripped(value: str | None) -> str | None:
    """An age key pasted with a space or a line break around it is still that key."""
    return (value.strip() or None) if value else None


class ExportForm(FlaskForm):
    """Export one case: a purpose, then the generated passphrase, one chosen, or an age key."""

    purpose = RadioField(
        "Who the export is for",
        choices=[SelectChoice(value, label) for value, label in PURPOSES.items()],
    )
    # The generated passphrase the page showed, sent back with the form: never stored.
    generated = HiddenField(validators=[Length(max=MAX_CHARS)])
    zip_passphrase = PasswordField(
        "Or a passphrase you choose",
        filters=[_blank_is_none],
        validators=[Optional(), Length(max=MAX_CHARS)],
    )
    age_recipient = StringField(
        "Or the recipient's age public key (age1…)",
        filters=[_stripped],
        validators=[Optional(), Length(max=AGE_RECIPIENT_MAX_CHARS)],
    )
    leave_out_damaged = BooleanField("Export the case without the parts that failed the check")
    submit = SubmitField("Export")

    def validate(self, extra_validators: Any = None) -> bool:
        """A purpose offered; at most one of a chosen passphrase and an age key, else the
        generated one."""
        valid = super().validate(extra_validators)
        if self.purpose.errors:  # WTForms' own "Not a valid choice." says neither
            self.purpose.errors = [NOT_CONSENTED if self.purpose.data else CHOOSE_PURPOSE]
        if not valid:
            return False
        if self.zip_passphrase.data and self.age_recipient.data:
            self.zip_passphrase.errors = ["Give a ZIP passphrase or an age key, not both."]
            return False
        chosen = self.zip_passphrase.data or self.age_recipient.data
        if not chosen and not is_generated(self.generated.data or ""):
            self.generated.errors = [GENERATED_CHANGED if self.generated.data else NO_PROTECTION]
            return False
        return True

    def validate_zip_passphrase(self, field: PasswordField) -> None:
        """A chosen passphrase must be hard to guess: ZIP encryption is fast to attack."""
        if field.data:
            try:
                check_zip_passphrase(field.data)
            except WeakPassphrase as weak:
                raise ValidationError(str(weak)) from None

    def validate_age_recipient(self, field: StringField) -> None:
        """An age X25519 recipient."""
        if not field.data:
            return
        if not field.data.startswith("age1"):
            raise ValidationError("An age public key starts with age1.")
        if not is_age_recipient(field.data):
            raise ValidationError("That is not a valid age public key.")

    def passphrase(self) -> str | None:
        """The ZIP passphrase to use: the one chosen, else the generated one (none for age)."""
        if self.age_recipient.data:
            return None
        return self.zip_passphrase.data or self.generated.data or None
