"""Advocates' forms."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate 3.3
from wtforms.validators import DataRequired, Length, Optional

from portal.core.vocabulary import FORCES, HARMS, PRIORITY_LABELS, STATUS_LABELS
from portal.store.models import Priority, ReportStatus
from portal.web.forms import clean_text

MESSAGE_MAX_CHARS = 20_000  # a reply or a note
TAGS_MAX_CHARS = 500
FINGERPRINT_MAX_CHARS = 100  # six words of at most nine letters, and spaces
STATUSES = [SelectChoice(s.value, STATUS_LABELS[s.value]) for s in ReportStatus]
PRIORITIES = [SelectChoice(p.value, PRIORITY_LABELS[p.value]) for p in Priority]
# The list's sort orders; the first is the default.
SORTS = [
    SelectChoice("danger", "In danger now first"),
    SelectChoice("received", "Newest first"),
    SelectChoice("oldest", "Oldest first"),
    SelectChoice("priority", "Priority"),
    SelectChoice("status", "Status"),
    SelectChoice("review", "Review date"),
]


def _any(label: str, pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice("", label), *(SelectChoice(v, text) for v, text in pairs if v)]


class FilterForm(FlaskForm):
    """Filters of the review list: a GET form, so no CSRF token is needed.

    Choices are not validated here: `Filters.clean` ignores anything unknown.
    """

    class Meta:
        csrf = False

    status = SelectField(
        "Status",
        choices=_any("Any status", [(c.value, c.label) for c in STATUSES]),
        validate_choice=False,
    )
    priority = SelectField(
        "Priority",
        choices=_any("Any priority", [(c.value, c.label) for c in PRIORITIES]),
        validate_choice=False,
    )
    assignee = SelectField(
        "Assigned to", choices=[SelectChoice("", "Anyone")], validate_choice=False
    )
    force = SelectField("Force", choices=_any("Any force", list(FORCES)), validate_choice=False)
    harm = SelectField("Kind of harm", choices=_any("Any kind", list(HARMS)), validate_choice=False)
    danger = BooleanField("In danger now")
    received_from = DateField("Received from", validators=[Optional()])
    received_to = DateField("Received to", validators=[Optional()])
    sort = SelectField("Sort by", choices=SORTS, default=SORTS[0].value, validate_choice=False)
    submit = SubmitField("Apply")


class TriageForm(FlaskForm):
    """Status, priority, assignee, review date, retention and tags of a case."""

    status = SelectField("Status", choices=STATUSES)
    priority = SelectField("Priority", choices=PRIORITIES)
    # The view sets the choices to the current advocates; anything else is refused.
    assignee = SelectField("Assigned to", choices=[SelectChoice("", "Nobody")])
    review_on = DateField("Review on", validators=[Optional()])
    # Retention only ever grows here: a later day replaces the kept-until day,
    # an earlier or empty one leaves it (it may be the survivor's choice).
    keep_until = DateField("Keep until", validators=[Optional()])
    tags = StringField(
        "Tags (separated by commas)",
        filters=[clean_text],
        validators=[Length(max=TAGS_MAX_CHARS)],
    )
    submit = SubmitField("Save triage")

    def tag_list(self) -> list[str]:
        """The tags as a clean list."""
        return [t.strip() for t in (self.tags.data or "").split(",") if t.strip()]


def _message_field() -> TextAreaField:
    return TextAreaField(
        "Note or reply",
        filters=[clean_text],
        validators=[
            DataRequired(message="Please write something."),
            Length(
                max=MESSAGE_MAX_CHARS,
                message=f"A note or reply cannot be longer than {MESSAGE_MAX_CHARS:,} characters.",
            ),
        ],
        description=(
            "A blank line starts a new paragraph, a line starting with “- ” is a list item, "
            "and **two stars** on each side make words bold. Links and pictures are not shown."
        ),
    )


class WriteForm(FlaskForm):
    """An internal note, or a reply on its way to being checked.

    The note button comes first: it is what Enter does, and it never reaches
    the survivor. The reply button only leads to the confirmation step.
    """

    text = _message_field()
    note = SubmitField("Add internal note")
    reply = SubmitField("Reply to the survivor")


class ReplyForm(FlaskForm):
    """The confirmation step: the reply as the survivor will read it, sent or changed."""

    text = _message_field()
    status = SelectField(
        "Then set the case's status to",
        choices=[SelectChoice("", "Leave it as it is"), *STATUSES],
        default="",
    )
    send = SubmitField("Send reply")
    change = SubmitField("Change it")

    def chosen_status(self) -> ReportStatus | None:
        """The status to set with the reply, if one was chosen."""
        return ReportStatus(self.status.data) if self.status.data else None


class GrantForm(FlaskForm):
    """Grant a member the group's keys: the fingerprint the granter was shown goes with it."""

    fingerprint = HiddenField(validators=[DataRequired(), Length(max=FINGERPRINT_MAX_CHARS)])


def assignee_choices(pairs: list[tuple[int, str]], empty: str) -> list[Any]:
    """Choices for an assignee select."""
    return [SelectChoice("", empty), *(SelectChoice(str(i), name) for i, name in pairs)]


class EmptyForm(FlaskForm):
    """A button-only POST: still carries a CSRF token."""
