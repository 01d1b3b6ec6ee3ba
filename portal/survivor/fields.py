"""The survivor's form fields that are more than one input: officer rows, checkbox lists."""

from __future__ import annotations

from typing import Any

from wtforms import (
    FieldList,
    Form,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate 3.3
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from portal.core.vocabulary import OFFICER_ROLES
from portal.web.forms import clean_text

SHORT_MAX_CHARS = 200


def options(pairs: tuple[tuple[str, str], ...]) -> list[SelectChoice]:
    """Choices for a select or radio field, from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def too_long(limit: int) -> Length:
    """A length limit with a plain message."""
    return Length(max=limit, message=f"Please keep this under {limit:,} characters.")


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OfficerRows(FieldList):  # type: ignore[type-arg]  # generic only in the stubs
    """The officer rows, each read from the fields the page gave it (officers-N-…).

    WTForms would renumber the rows it was sent from 0 and then fill the rest
    from the same request, so a request sending only the third row stored it
    twice, under the first and the third officer.
    """

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        """Always exactly the page's rows, in place; rows the page does not have are ignored."""
        super().process(None, data, extra_filters)
        if formdata:
            for entry in self.entries:
                entry.process(formdata)


class OfficerForm(Form):
    """One officer the survivor names (all optional)."""

    name = StringField("Name", filters=[clean_text], validators=[too_long(SHORT_MAX_CHARS)])
    number = StringField(
        "Collar or warrant number",
        filters=[clean_text],
        validators=[too_long(SHORT_MAX_CHARS)],
    )
    rank = StringField("Rank", filters=[clean_text], validators=[too_long(SHORT_MAX_CHARS)])
    role = SelectField("Who they are to you", choices=options(OFFICER_ROLES), default="")
