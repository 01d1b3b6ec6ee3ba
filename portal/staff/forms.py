"""Staff forms."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate 3.3
from wtforms.validators import Length, Optional, ValidationError

from portal.staff.bundle import PURPOSES

MIN_ZIP_PASSPHRASE = 12


class ExportForm(FlaskForm):
    """Export one case: a purpose, then a ZIP passphrase or an age public key."""

    purpose = RadioField(
        "Purpose", choices=[SelectChoice(value, label) for value, label in PURPOSES.items()]
    )
    zip_passphrase = PasswordField(
        "Passphrase for the ZIP file (at least 12 characters)",
        validators=[Optional(), Length(min=MIN_ZIP_PASSPHRASE, max=1024)],
    )
    age_recipient = StringField(
        "Or the recipient's age public key (age1…)", validators=[Optional(), Length(max=200)]
    )
    submit = SubmitField("Export")

    def validate(self, extra_validators: Any = None) -> bool:
        """Exactly one of the two ways of encrypting the bundle."""
        if not super().validate(extra_validators):
            return False
        if bool(self.zip_passphrase.data) == bool(self.age_recipient.data):
            self.zip_passphrase.errors = ["Give a ZIP passphrase or an age key, not both."]
            return False
        return True

    def validate_age_recipient(self, field: StringField) -> None:
        """An age X25519 recipient."""
        if field.data and not field.data.startswith("age1"):
            raise ValidationError("An age public key starts with age1.")
