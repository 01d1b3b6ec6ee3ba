"""The survivor's forms. Every question is optional and every limit is named."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.core import submissions
from portal.core.escrow import RELEASE_NEEDS_ADVOCATES, RELEASE_NEEDS_OFFICER
from portal.core.officers import officer_identifiers
from portal.core.reports import Consent
from portal.core.submissions import Purpose, Submission
from portal.core.vocabulary import (
    CONTACT_METHODS,
    FORCES,
    HARMS,
    YES_NO_UNSURE,
)
from portal.survivor.fields import (
    SHORT_MAX_CHARS,
    MultiCheckboxField,
    OfficerForm,
    OfficerRows,
    options,
    too_long,
)
from portal.web.forms import clean_text
from portal.web.settings import portal_config

ACCOUNT_MAX_CHARS = 100_000
MEDIUM_MAX_CHARS = 2_000
OFFICER_ROWS = 3  # at most; the form shows one, and she adds the others one at a time
CODENAME_MAX_CHARS = 300
# Her messages go with an export only when she ticks this under that export's
# own box; neither is ever ticked for her.
ADVOCATES_MAY_READ = "Advocates at the charity may read my report"
MESSAGES_LEGAL = "Include my messages with the advocates for the legal team"
MESSAGES_IOPC = "Include my messages with the advocates in the IOPC complaint"
KEEP_DETAILS_LABEL = "Keep hidden details in my files"
KEEP_DETAILS_HINT = (
    "Files can carry details you cannot see: where and when a photo or video was taken, "
    "the phone or computer that made it, and the name of the person who wrote a document. "
    "We remove them, and keep each file under a plain name such as evidence-1.jpg. "
    "Tick this only if you want those details kept as evidence: anyone who opens the file "
    "could see them, and they could identify you. Other kinds of file, which we cannot "
    "clean, are only accepted when this is ticked."
)


# The report form's `release` choice: now, or sealed until N reports name the officer.
RELEASE_CHOICES = (
    ("now", "Send my report to the advocates now"),
    *(
        (
            str(n),
            f"Keep my report sealed until at least {n} people, me included, name the same officer",
        )
        for n in (2, 3, 4, 5)
    ),
)


CONFIRM_SAVED = "Please confirm that you have saved your codename."
WRITE_SOMETHING = "Please write something about what happened, or attach a file."
FORM_TOO_OLD = (
    "This page was open too long to be sent as it was, so nothing has been sent from it. "
    "Everything you typed is still here: please check it and send it again. If you did "
    "send it before, you do not need to send it again."
)


# The report form's fields that make up the account, besides the officers.
ACCOUNT_FIELDS = (
    "in_danger",
    "what_happened",
    "when",
    "where",
    "force",
    "harms",
    "harm_other",
    "reported_before",
    "reported_outcome",
    "contact_method",
    "contact_details",
)
OFFICER_KEYS = ("name", "number", "rank", "role")


class ConsentChoices:
    """The choices of who else may have her report, asked when she sends it and after."""

    consent_read = BooleanField(ADVOCATES_MAY_READ)
    consent_legal = BooleanField("The charity's legal team may receive my report")
    consent_messages_legal = BooleanField(MESSAGES_LEGAL)
    consent_iopc = BooleanField(
        "My report may be sent to the IOPC or a police professional standards department"
    )
    consent_messages_iopc = BooleanField(MESSAGES_IOPC)
    consent_statistics = BooleanField("My report may be counted in anonymous statistics")


def _new_token(purpose: Purpose) -> str:
    return submissions.issue(portal_config().secret_key, purpose)


class OneSubmission:
    """A form that names its one submission with a token issued with the page, so that
    sending it again (a reload, Back then Forward, a double click) sends nothing twice."""

    PURPOSE: Purpose
    submission: HiddenField
    submitted: Submission = Submission()

    def validate_submission(self, field: HiddenField) -> None:
        """Accept only a token this portal issued for this form, and not yet expired."""
        try:
            self.submitted = submissions.check(portal_config().secret_key, self.PURPOSE, field.data)
        except submissions.TokenRefused:
            field.data = _new_token(self.PURPOSE)  # the form comes back sendable
            raise ValidationError(FORM_TOO_OLD) from None


class _TokenField(HiddenField):
    """The form's submission token: new in every form built without a request's data,
    and only what the request sent otherwise (nothing, if it sent none)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        """What was sent, never the default."""
        self.data = valuelist[0] if valuelist else ""


def token_field(purpose: Purpose) -> HiddenField:
    return _TokenField(default=lambda: _new_token(purpose))


class _SendsFiles:
    """A form with a `files` field."""

    files: MultipleFileField

    def has_files(self) -> bool:
        """True when at least one file was chosen."""
        return any(getattr(f, "filename", "") for f in self.files.data or [])


class ReportForm(FlaskForm, _SendsFiles, ConsentChoices, OneSubmission):
    """The whole report on one page, in sections; nothing is required on its own."""

    PURPOSE: Purpose = "report"
    submission = token_field("report")
    # How many officer blocks the page showed; "Add another officer" shows one more.
    officers_shown = IntegerField(default=1, validators=[Optional()])
    add_officer = SubmitField("Add another officer")

    in_danger = RadioField(
        "Are you in danger now?",
        choices=options((("yes", "Yes"), ("no", "No"))),
        validators=[Optional()],
    )
    what_happened = TextAreaField(
        "What happened",
        filters=[clean_text],
        validators=[too_long(ACCOUNT_MAX_CHARS)],
    )
    when = StringField(
        "When did it happen?", filters=[clean_text], validators=[too_long(SHORT_MAX_CHARS)]
    )
    where = StringField(
        "Where did it happen?", filters=[clean_text], validators=[too_long(MEDIUM_MAX_CHARS)]
    )
    force = SelectField("Which police force was involved?", choices=options(FORCES), default="")
    officers = OfficerRows(
        FormField(OfficerForm), min_entries=OFFICER_ROWS, max_entries=OFFICER_ROWS
    )
    harms = MultiCheckboxField("What kinds of harm happened?", choices=options(HARMS))
    harm_other = StringField(
        "If something else, what?", filters=[clean_text], validators=[too_long(SHORT_MAX_CHARS)]
    )
    reported_before = RadioField(
        "Have you reported this before?", choices=options(YES_NO_UNSURE), validators=[Optional()]
    )
    reported_outcome = TextAreaField(
        "Who did you tell, and what happened?",
        filters=[clean_text],
        validators=[too_long(MEDIUM_MAX_CHARS * 5)],
    )
    contact_method = RadioField(
        "How may we contact you?",
        choices=options(CONTACT_METHODS),
        default="inbox",
        validators=[Optional()],
    )
    contact_details = TextAreaField(
        "Safe contact details, and when it is safe to contact you",
        filters=[clean_text],
        validators=[too_long(MEDIUM_MAX_CHARS)],
    )
    consent_read = BooleanField(ADVOCATES_MAY_READ, default=True)
    release = RadioField(
        "When should the advocates receive your report?",
        choices=options(RELEASE_CHOICES),
        default="now",
    )
    files = MultipleFileField("Evidence files (optional)")
    keep_metadata = BooleanField(KEEP_DETAILS_LABEL, description=KEEP_DETAILS_HINT)
    submit = SubmitField("Send my report")

    def validate_officers(self, field: FieldList[Any]) -> None:
        """Refuse tampered requests that send more officer rows than the form has."""
        if len(field.entries) > OFFICER_ROWS:
            raise ValidationError("Too many officers were sent.")

    def shown_officers(self, adding: bool = False) -> int:
        """How many officer blocks to show: those she filled in or had open, one more
        when she asked for another, never more than the form has."""
        filled = [i + 1 for i, entry in enumerate(self.officers) if any(entry.data.values())]
        shown = max([self.officers_shown.data or 1, *filled]) + (1 if adding else 0)
        return max(1, min(OFFICER_ROWS, shown))

    def files_were_chosen(self) -> bool:
        """Whether files were chosen when the page was redrawn without them (their names
        came back, as a form sent without uploading files sends them)."""
        return any(getattr(f, "filename", f) for f in self.files.data or [])

    def account(self) -> dict[str, Any]:
        """What she wrote, as the report's account: the officer rows she left empty left out."""
        officers = [
            {key: entry.data[key] for key in OFFICER_KEYS}
            for entry in self.officers
            if any(entry.data[key] for key in OFFICER_KEYS)
        ]
        account = {name: getattr(self, name).data for name in ACCOUNT_FIELDS}
        account["officers"] = officers
        account["release"] = self.release.data
        return account

    def validate_release(self, field: RadioField) -> None:
        """Waiting for a match needs an officer to match on, and the advocates to read it then."""
        if field.data == "now":
            return
        if not officer_identifiers(self.account()):
            raise ValidationError(RELEASE_NEEDS_OFFICER)
        if not self.consent_read.data:
            raise ValidationError(RELEASE_NEEDS_ADVOCATES)

    def validate(self, extra_validators: Any = None) -> bool:
        """Every field is optional, but a report needs some account or a file."""
        if not super().validate(extra_validators):
            return False
        if not self.what_happened.data and not self.has_files():
            self.what_happened.errors = [WRITE_SOMETHING]
            return False
        return True


class SavedCodenameForm(FlaskForm):
    """Confirming the codename was saved."""

    saved = BooleanField(
        "I have saved my codename somewhere safe",
        validators=[DataRequired(message=CONFIRM_SAVED)],
    )
    submit = SubmitField("Continue")


class CodenameForm(FlaskForm):
    """Entering a codename to come back to a report."""

    codename = StringField(
        "Your codename",
        filters=[clean_text],
        validators=[
            DataRequired(message="Please enter your codename."),
            Length(max=CODENAME_MAX_CHARS, message="That is too long to be a codename."),
        ],
    )
    submit = SubmitField("Continue")


class AddForm(FlaskForm, _SendsFiles, OneSubmission):
    """Adding information, a message or files to an existing report."""

    PURPOSE: Purpose = "message"
    submission = token_field("message")

    kind = RadioField(
        "What are you sending?",
        choices=options(
            (
                ("message", "A message to the advocates"),
                ("addition", "More information for my report"),
            )
        ),
        default="message",
    )
    text = TextAreaField(
        "Your message or information",
        filters=[clean_text],
        validators=[too_long(ACCOUNT_MAX_CHARS)],
    )
    files = MultipleFileField("Files (optional)")
    keep_metadata = BooleanField(KEEP_DETAILS_LABEL, description=KEEP_DETAILS_HINT)
    submit = SubmitField("Send")

    def validate(self, extra_validators: Any = None) -> bool:
        """Something must be sent: text or a file."""
        if not super().validate(extra_validators):
            return False
        if not self.text.data and not self.has_files():
            self.text.errors = ["Please write something or attach a file."]
            return False
        return True


class ConsentForm(FlaskForm, ConsentChoices, OneSubmission):
    """Changing consent choices."""

    PURPOSE: Purpose = "consent"
    submission = token_field("consent")

    submit = SubmitField("Save my choices")

    def show(self, current: Consent) -> None:
        """Tick the boxes as the report's consent stands now."""
        self.consent_read.data = current.advocates_may_read
        self.consent_legal.data = current.export_legal
        self.consent_iopc.data = current.export_iopc
        self.consent_messages_legal.data = current.messages_legal
        self.consent_messages_iopc.data = current.messages_iopc
        self.consent_statistics.data = current.export_statistics


def consent_chosen(form: ConsentChoices) -> Consent:
    """The consent the ticked boxes give, on a report form or the consent page."""
    release = getattr(form, "release", None)  # only a report form asks when to send
    # Messages go only with the export they were ticked under: a tick with no
    # export to go with is no consent, and she ticks it afresh if she consents later.
    return Consent(
        advocates_may_read=form.consent_read.data,
        export_legal=form.consent_legal.data,
        export_iopc=form.consent_iopc.data,
        export_statistics=form.consent_statistics.data,
        messages_legal=form.consent_legal.data and form.consent_messages_legal.data,
        messages_iopc=form.consent_iopc.data and form.consent_messages_iopc.data,
        wait_for_match=release is not None and release.data != "now",
    )


class EscrowForm(FlaskForm, OneSubmission):
    """Releasing a report that waits for a match, or leaving the escrow: a button each."""

    PURPOSE: Purpose = "consent"
    submission = token_field("consent")
    submit = SubmitField()


class DeleteForm(FlaskForm, OneSubmission):
    """Deleting the report, with a confirmation."""

    PURPOSE: Purpose = "delete"
    submission = token_field("delete")

    confirm = BooleanField(
        "I understand that my report, files and messages will be deleted for good",
        validators=[DataRequired(message="Please tick the box to confirm.")],
    )
    submit = SubmitField("Delete my report")


class EmptyForm(FlaskForm):
    """A button-only POST: still carries a CSRF token."""

    submit = SubmitField()
