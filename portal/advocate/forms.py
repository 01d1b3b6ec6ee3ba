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

from portal.core.vocabulary import FORCES, HARMS
from portal.store.models import Priority, ReportStatus
from portal.web.forms import clean_text

MESSAGE_MAX_CHARS = 20_000  # a reply or a note
TAGS_MAX_CHARS = 500
FINGERPRINT_MAX_CHARS = 100  # six words of at most nine letters, and spaces
STATUSES = [SelectChoice(s.value, s.value.capitalize()) for s in ReportStatus]
PRIORITIES = [SelectChoice(p.value, p.value.capitalize()) for p in Priority]


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
    sort = SelectField(
        "Sort by",
        choices=[
            SelectChoice("received", "Newest first"),
            SelectChoice("oldest", "Oldest first"),
            SelectChoice("priority", "Priority"),
            SelectChoice("status", "Status"),
            SelectChoice("review", "Review date"),
        ],
        default="received",
        validate_choice=False,
    )
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


class WriteForm(FlaskForm):
    """A reply to the survivor, or an internal note."""

    text = TextAreaField(
        "Message",
        filters=[clean_text],
        validators=[DataRequired(message="Please write something."), Length(max=MESSAGE_MAX_CHARS)],
    )
    note = BooleanField("Internal note: not shown to the survivor")
    submit = SubmitField("Send")


class GrantForm(FlaskForm):
    """Grant a member the group's keys: the fingerprint the granter was shown goes with it."""

    fingerprint = HiddenField(validators=[DataRequired(), Length(max=FINGERPRINT_MAX_CHARS)])


def assignee_choices(pairs: list[tuple[int, str]], empty: str) -> list[Any]:
    """Choices for an assignee select."""
    return [SelectChoice("", empty), *(SelectChoice(str(i), name) for i, name in pairs)]
