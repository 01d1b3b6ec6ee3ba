"""The fixed answers the report form offers."""

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
