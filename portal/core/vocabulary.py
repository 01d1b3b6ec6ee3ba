"""The fixed answers the report form offers, and the words every area shows for stored values."""

from __future__ import annotations

# The 43 territorial police forces of England and Wales.
ENGLAND_AND_WALES = (
    "Avon and Somerset Constabulary",
    "Bedfordshire Police",
    "Cambridgeshire Constabulary",
    "Cheshire Constabulary",
    "City of London Police",
    "Cleveland Police",
    "Cumbria Constabulary",
    "Derbyshire Constabulary",
    "Devon and Cornwall Police",
    "Dorset Police",
    "Durham Constabulary",
    "Dyfed-Powys Police",
    "Essex Police",
    "Gloucestershire Constabulary",
    "Greater Manchester Police",
    "Gwent Police",
    "Hampshire and Isle of Wight Constabulary",
    "Hertfordshire Constabulary",
    "Humberside Police",
    "Kent Police",
    "Lancashire Constabulary",
    "Leicestershire Police",
    "Lincolnshire Police",
    "Merseyside Police",
    "Metropolitan Police Service",
    "Norfolk Constabulary",
    "North Wales Police",
    "North Yorkshire Police",
    "Northamptonshire Police",
    "Northumbria Police",
    "Nottinghamshire Police",
    "South Wales Police",
    "South Yorkshire Police",
    "Staffordshire Police",
    "Suffolk Constabulary",
    "Surrey Police",
    "Sussex Police",
    "Thames Valley Police",
    "Warwickshire Police",
    "West Mercia Police",
    "West Midlands Police",
    "West Yorkshire Police",
    "Wiltshire Police",
)
OTHER_UK_FORCES = (
    "Police Scotland",
    "Police Service of Northern Ireland",
    "British Transport Police",
)
NOT_LISTED = (("other", "Another force"), ("unknown", "I don't know"))
FORCES: tuple[tuple[str, str], ...] = (
    ("", "Choose a force (optional)"),
    *((name, name) for name in ENGLAND_AND_WALES + OTHER_UK_FORCES),
    *NOT_LISTED,
)

HARMS = (
    ("physical", "Physical assault"),
    ("strangulation", "Strangulation or choking"),
    ("sexual", "Sexual violence or rape"),
    ("coercive-control", "Coercive control"),
    ("stalking", "Stalking or harassment"),
    ("psychological", "Verbal or psychological abuse"),
    ("discrimination", "Racist or discriminatory abuse"),
    ("failure-to-investigate", "Failure to investigate"),
    ("other", "Something else"),
)

OFFICER_ROLES = (
    ("", "Choose (optional)"),
    ("partner", "My partner"),
    ("ex-partner", "My ex-partner"),
    ("family", "A family member"),
    ("colleague", "A colleague"),
    ("case-officer", "An officer who handled my case"),
    ("on-duty", "An officer I met while they were on duty"),
    ("other", "Someone else"),
)

YES_NO_UNSURE = (("yes", "Yes"), ("no", "No"), ("unsure", "I'm not sure"))

CONTACT_METHODS = (
    ("inbox", "Only through this website, with my codename"),
    ("phone", "By phone"),
    ("email", "By email"),
    ("other", "Another way"),
)

# The same answers as the charity reads them: short, in the third person.
CONTACT_METHOD_LABELS = {
    "inbox": "Through this website",
    "phone": "By phone",
    "email": "By email",
    "other": "Another way",
}
OFFICER_ROLE_LABELS = {
    "partner": "Partner",
    "ex-partner": "Ex-partner",
    "family": "Family member",
    "colleague": "Colleague",
    "case-officer": "Officer who handled their case",
    "on-duty": "Officer met on duty",
    "other": "Someone else",
}
ANSWER_LABELS = {"yes": "Yes", "no": "No", "unsure": "Not sure"}

# Triage and threads, as every charity area shows them.
STATUS_LABELS = {
    "new": "New",
    "in review": "In review",
    "awaiting survivor": "Waiting for the survivor",
    "referred": "Referred",
    "closed": "Closed",
}
PRIORITY_LABELS = {"urgent": "Urgent", "high": "High", "normal": "Normal", "low": "Low"}
MESSAGE_KIND_LABELS = {
    "message": "Message",
    "addition": "More information",
    "note": "Internal note",
}
AUTHOR_LABELS = {"survivor": "Survivor", "advocate": "Advocate"}
EXPORT_PURPOSE_LABELS = {
    "legal": "the legal team",
    "iopc": "the IOPC or professional standards",
    "statistics": "anonymous statistics",
}

LABELS: dict[str, dict[str, str]] = {
    "force": {value: text for value, text in (*NOT_LISTED, ("unknown", "Not known")) if value},
    "harm": dict(HARMS),
    "officer_role": OFFICER_ROLE_LABELS,
    "contact_method": CONTACT_METHOD_LABELS,
    "answer": ANSWER_LABELS,
    "status": STATUS_LABELS,
    "priority": PRIORITY_LABELS,
    "message_kind": MESSAGE_KIND_LABELS,
    "author": AUTHOR_LABELS,
    "export_purpose": EXPORT_PURPOSE_LABELS,
}


def label(kind: str, value: object) -> str:
    """The readable label of a stored value (a force's own name is its label).

    A value the list does not know is shown as it is: a word the portal
    once offered must still be readable on an old report.
    """
    text = str(getattr(value, "value", value) if value is not None else "")
    return LABELS.get(kind, {}).get(text, text)
