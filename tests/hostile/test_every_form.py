"""The whole hostile corpus, through every form field survivors, advocates, staff and admins
can reach, and through uploaded file names.

Pass criteria, for every payload: never a 5xx; what is shown back is escaped (the raw
payload never appears, its escaped form does exactly where it is displayed); what is stored
is the payload less control characters; and, reading the SQLCipher database with its key
afterwards, no payload and no marker embedded in one is found in any table or column, nor
in any file under instance/, nor in the log.

To keep this quick, payloads are batched: a report carries a different payload in each of
its 15 text fields, and the payloads rotate so that each visits every field once.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
import werkzeug.urls  # noqa: F401  # registers the codec error handler used below
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import URL, create_engine, func, inspect, select, text

from portal.core import invitations
from portal.store import Store
from portal.store.models import Account, Attachment, Report, Role
from portal.web.rich_text import rich_text
from portal.web.throttle import Throttle
from tests.hostile.payloads import (
    MEGABYTE,
    PAYLOADS,
    Payload,
    marker,
    percent_encoded,
    stored_form,
)
from tests.support.instance import Instance
from tests.support.pages import CODENAME, SUBMISSION, TOKEN, csrf_token
from tests.support.people import Person, create_person, log_in, read_set_up_page, signed_in_as

# Every free-text field of the report form, with its character limit.
REPORT_FIELDS = {
    "what_happened": 100_000,
    "when": 200,
    "where": 2_000,
    "harm_other": 200,
    "reported_outcome": 10_000,
    "contact_details": 2_000,
    **{f"officers-{row}-{part}": 200 for row in range(3) for part in ("name", "number", "rank")},
}
# The report form's choice fields, and the consent and metadata boxes.
REPORT_CHOICES = ("in_danger", "force", "harms", "reported_before", "contact_method")
OFFICER_CHOICES = tuple(f"officers-{row}-role" for row in range(3))
CONSENT_BOXES = (
    "consent_read",
    "consent_legal",
    "consent_messages_legal",
    "consent_iopc",
    "consent_messages_iopc",
    "consent_statistics",
)
BOXES = (*CONSENT_BOXES, "keep_metadata")
MARKUP = re.compile(r"[<>&\"']")
FITTING = [p for p in PAYLOADS if p not in MEGABYTE]


@dataclass(frozen=True)
class Sent:
    """A payload as sent in one field: the payload, its marker, and what must be kept."""

    payload: Payload
    index: int

    @property
    def marker(self) -> str:
        return marker(self.index)

    @functools.cached_property
    def wire(self) -> bytes:
        """The bytes sent: the payload (raw, if it is malformed UTF-8), then the marker."""
        head = self.payload.raw if self.payload.raw is not None else self.payload.text.encode()
        return head + f" {self.marker}".encode()

    @functools.cached_property
    def typed(self) -> str:
        """The text as the portal reads it from an urlencoded form.

        Werkzeug keeps bytes that are not UTF-8 as their percent-escapes ("%C0%AF"),
        so nothing is silently replaced.
        """
        return self.wire.decode("utf-8", "werkzeug.url_quote")

    @functools.cached_property
    def stored(self) -> str:
        return stored_form(self.typed)

    @functools.cached_property
    def shown(self) -> str:
        return str(escape(self.stored))


def sent(payload: Payload) -> Sent:
    """The payload with its own marker (its place in the corpus)."""
    return Sent(payload, PAYLOADS.index(payload))


def form_body(fields: Iterable[tuple[str, str | bytes]]) -> bytes:
    """An urlencoded body that keeps raw bytes raw (so malformed UTF-8 arrives malformed)."""
    return "&".join(f"{name}={percent_encoded(value)}" for name, value in fields).encode()


# The survivor's forms that send something, and the page each is on: every post
# to them is a new submission, with a new token from a freshly loaded page.
SENDING_FORMS = {
    "/report": "/report",
    "/return/add": "/return/report",
    "/return/consent": "/return/consent",
    "/return/delete": "/return/delete",
}


def submission_of(client: FlaskClient, path: str) -> str:
    match = SUBMISSION.search(client.get(SENDING_FORMS[path]).get_data(as_text=True))
    assert match, f"no submission token for {path}"
    return match.group(1)


def post_form(client: FlaskClient, path: str, fields: Iterable[tuple[str, str | bytes]]) -> Any:
    fields = list(fields)
    if path in SENDING_FORMS and not any(name == "submission" for name, _ in fields):
        fields.append(("submission", submission_of(client, path)))
    return client.post(
        path,
        data=form_body(fields),
        content_type="application/x-www-form-urlencoded",
        follow_redirects=path == "/report",  # to the codename page, once sent
    )


def token_of(page: str) -> str:
    match = TOKEN.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def never_a_server_error(response: Any, what: str) -> str:
    page: str = response.get_data(as_text=True)
    assert response.status_code < 500, (what, page[-800:])
    assert "something went wrong on our side" not in page, what
    for cookie in response.headers.getlist("Set-Cookie"):
        assert "a=b" not in cookie, what
    return page


def assert_escaped(page: str, values: Iterable[Sent], where: str, *, shown: bool = True) -> None:
    """Each value is absent raw (when it has markup) and, if shown, present escaped."""
    problems = []
    for value in values:
        if MARKUP.search(value.stored) and value.stored in page:
            problems.append(f"{value.payload.id}: unescaped in {where}")
        if shown and value.shown not in page:
            problems.append(f"{value.payload.id}: not shown escaped in {where}")
    assert problems == []


def section(page: str, pattern: str) -> str:
    match = re.search(pattern, page, re.S)
    assert match, f"nothing matches {pattern}"
    return match.group(1)


# --- Reading everything the portal stored --------------------------------------------------


def stored_values(instance: Instance) -> Iterator[tuple[str, bytes]]:
    """Every value of every column of every table, opened with the instance's database key."""
    key = (instance.path / "secrets" / "database.key").read_text().strip()
    engine = create_engine(
        URL.create(
            "sqlite+pysqlcipher", password=f"x'{key}'", database=str(instance.path / "portal.db")
        )
    )
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            assert "reports" in tables and "attachments" in tables
            for table in tables:
                query = text(f'SELECT * FROM "{table}"')  # noqa: S608  # names from the schema
                for row in connection.execute(query):
                    for column, value in row._mapping.items():
                        if value is None:
                            continue
                        raw = value if isinstance(value, bytes) else str(value).encode()
                        yield f"{table}.{column}", raw
    finally:
        engine.dispose()


def assert_nothing_stored_in_clear(instance: Instance, values: Sequence[Sent], log: str) -> None:
    """No marker, nor any long payload, in any column, any file under instance/, or the log."""
    names = {v.marker: v.payload.id for v in values}
    # Every marker, in UTF-8 and UTF-16 either way round, and every payload long enough
    # not to match by chance, in one pattern.
    markers = [
        rb"QZ\d{4}XV",
        rb"Q\x00Z\x00(?:\d\x00){4}X\x00V\x00",  # UTF-16, little-endian
        rb"\x00Q\x00Z(?:\x00\d){4}\x00X\x00V",  # UTF-16, big-endian
    ]
    long_ones = {
        re.escape(v.payload.stored[:64].encode()) for v in values if len(v.payload.stored) >= 24
    }
    needle = re.compile(b"|".join([*markers, *long_ones]))
    found = []
    for where, raw in stored_values(instance):
        found += [f"{where}: {hit[:40]!r}" for hit in needle.findall(raw)]
    for path in instance.path.rglob("*"):
        if path.is_file():
            found += [f"{path.name}: {hit[:40]!r}" for hit in needle.findall(path.read_bytes())]
    found += [f"log: {names.get(m, m)}" for m in re.findall(r"QZ\d{4}XV", log)]
    assert found == []


def test_the_scan_finds_a_payload_or_marker_stored_in_clear(
    client: FlaskClient, store: Store, instance: Instance
) -> None:
    from portal.core import audit

    value = sent(PAYLOADS[0])
    assert_nothing_stored_in_clear(instance, [value], "")
    with pytest.raises(AssertionError, match="log"):
        assert_nothing_stored_in_clear(instance, [value], f"a line with {value.marker}")
    with store.session() as session:
        audit.record(session, actor="test", action="x", detail=f"typed: {value.marker}")
        session.commit()
    with pytest.raises(AssertionError, match="audit"):
        assert_nothing_stored_in_clear(instance, [value], "")


# --- The report form, then the survivor's and the advocate's pages -------------------------


def spread(payloads: Sequence[Payload], fields: Sequence[str], step: int) -> list[dict[str, Sent]]:
    """Batches giving field j of batch k the payload (k * step + j): every payload is sent
    len(fields) / step times, in different fields, and no field is left without one."""
    count = -(-len(payloads) // step)
    return [
        {field: sent(payloads[(k * step + j) % len(payloads)]) for j, field in enumerate(fields)}
        for k in range(count)
    ]


def rotation(payloads: Sequence[Payload], fields: dict[str, int]) -> list[dict[str, Sent]]:
    """One batch per payload; batch r puts payload (r + j) in field j, wherever it fits."""
    batches = []
    for r in range(len(payloads)):
        batch = {}
        for j, (field, limit) in enumerate(fields.items()):
            value = sent(payloads[(r + j) % len(payloads)])
            if len(value.stored) <= limit:
                batch[field] = value
        batches.append(batch)
    return batches


SURVIVOR_SHOWS = {
    "what_happened": r'<dt>What happened</dt><dd class="body">(.*?)</dd>',
    "when": r"<dt>When</dt><dd>(.*?)</dd>",
    "where": r"<dt>Where</dt><dd>(.*?)</dd>",
}
ADVOCATE_SHOWS = {
    **SURVIVOR_SHOWS,
    "harm_other": r"<dt>Kinds of harm</dt><dd> \((.*?)\)</dd>",
    "reported_outcome": r'<dt>Reported before</dt><dd>: <span class="body">(.*?)</span></dd>',
    "contact_details": (
        r'<dt>Contact</dt><dd>Through this website: <span class="body">(.*?)</span></dd>'
    ),
}


def misshown(page: str, shows: dict[str, str], batch: dict[str, Sent], who: str) -> list[str]:
    """Each displayed field of the batch, unless the page shows it exactly, escaped."""
    return [
        f"{who} {field}: {batch[field].payload.id}"
        for field, pattern in shows.items()
        if field in batch and section(page, pattern) != batch[field].shown
    ]


def officer_line(batch: dict[str, Sent], row: int) -> str:
    parts = [batch.get(f"officers-{row}-{part}") for part in ("name", "number", "rank")]
    return ", ".join(p.shown for p in parts if p is not None)


def test_every_payload_through_every_report_field_is_kept_exactly_escaped_and_sealed(
    app: Flask, store: Store, instance: Instance, portal_log: pytest.LogCaptureFixture
) -> None:
    survivor = app.test_client()
    person = create_person(store, instance, "alice", Role.ADVOCATE)
    advocate = signed_in_as(app, person)
    batches = rotation(FITTING, REPORT_FIELDS)
    every_field = {(f, v.payload.id) for b in batches for f, v in b.items()}
    assert len(every_field) >= len(FITTING) * 9  # most payloads fit even the short fields
    seen_ids: set[str] = set()
    problems: list[str] = []
    token = csrf_token(survivor)
    for batch in batches:
        fields = [(name, value.wire) for name, value in batch.items()]
        body = [("csrf_token", token), ("consent_read", "y"), *fields]
        page = never_a_server_error(post_form(survivor, "/report", body), "report")
        codename = CODENAME.search(page)
        assert codename, page[-1500:]
        assert_escaped(page, batch.values(), "the codename page", shown=False)

        # The survivor's own page shows the account escaped, exactly as kept.
        assert (
            post_form(
                survivor, "/return", [("csrf_token", token), ("codename", codename.group(1))]
            ).status_code
            == 303
        )
        mine = never_a_server_error(survivor.get("/return/report"), "my report")
        problems += misshown(mine, SURVIVOR_SHOWS, batch, "survivor")
        lines = [officer_line(batch, row) for row in range(3) if officer_line(batch, row)]
        for number, want in enumerate(lines, start=1):
            got = section(mine, rf"<dt>Officer {number}</dt><dd>(.*?)</dd>")
            if got != want:
                problems.append(f"survivor officer {number}: {got[:60]!r}")
        assert_escaped(mine, batch.values(), "the survivor's page", shown=False)
        token = token_of(mine)

        # The advocate reads every field exactly, escaped.
        with store.session() as session:
            ids = set(session.scalars(select(Report.id)))
        (report_id,) = ids - seen_ids
        seen_ids = ids
        case = never_a_server_error(advocate.get(f"/advocate/case/{report_id}"), "case")
        problems += misshown(case, ADVOCATE_SHOWS, batch, "advocate")
        for number, want in enumerate(lines, start=1):
            if f"<li>{want}\n" not in case:
                problems.append(f"advocate officer {number}: {want[:60]!r}")
        assert_escaped(case, batch.values(), "the advocate's case page")
    assert problems == []

    # The review list, every page of it.
    everything = [v for batch in batches for v in batch.values()]
    for page_number in range(1, len(batches) // 25 + 2):
        listing = advocate.get(f"/advocate/?page={page_number}")
        assert_escaped(never_a_server_error(listing, "list"), everything, "the list", shown=False)
    assert_nothing_stored_in_clear(instance, [sent(p) for p in PAYLOADS], portal_log.text)


@pytest.mark.parametrize("payload", MEGABYTE, ids=[p.id for p in MEGABYTE])
def test_a_megabyte_in_the_report_form_is_refused_clearly_and_kept_in_the_form(
    client: FlaskClient, store: Store, payload: Payload
) -> None:
    value = sent(payload)
    token = csrf_token(client)
    response = post_form(client, "/report", [("csrf_token", token), ("what_happened", value.wire)])
    page = never_a_server_error(response, payload.id)
    assert response.status_code in (200, 413)
    if response.status_code == 200:
        assert "Please keep this under 100,000 characters." in page
        assert value.shown in page
    else:
        assert "That was too large to send" in page
    assert not CODENAME.search(page)
    assert_escaped(page, [value], payload.id, shown=False)
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 0


def test_every_payload_in_every_choice_and_box_of_the_report_form_never_breaks_it(
    client: FlaskClient, store: Store
) -> None:
    token = csrf_token(client)
    fields = (*REPORT_CHOICES, *OFFICER_CHOICES, *BOXES, "officers-99999999999999999999-name")
    for batch in spread(PAYLOADS, fields, step=4):  # each payload in three or four fields
        sent_fields = [(name, value.wire) for name, value in batch.items()]
        # A fourth officer's row as well: the form has three.
        body = [("csrf_token", token), ("what_happened", "It was him."), *sent_fields]
        body.append(("officers-3-rank", "x"))
        page = never_a_server_error(post_form(client, "/report", body), str(batch))
        assert not CODENAME.search(page)
        assert "There is a problem" in page
        assert_escaped(page, batch.values(), "the report form", shown=False)
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 0


# --- Coming back: codename, messages, consent ---------------------------------------------


def _signed_in_survivor(app: Flask) -> tuple[FlaskClient, str]:
    survivor = app.test_client()
    token = csrf_token(survivor)
    response = post_form(
        survivor,
        "/report",
        [("csrf_token", token), ("consent_read", "y"), ("what_happened", "It was him.")],
    )
    codename = CODENAME.search(response.get_data(as_text=True))
    assert codename
    signed = post_form(
        survivor, "/return", [("csrf_token", token), ("codename", codename.group(1))]
    )
    assert signed.status_code == 303
    return survivor, codename.group(1)


def test_every_payload_as_a_codename_gets_a_neutral_answer(
    app: Flask, instance: Instance, portal_log: pytest.LogCaptureFixture
) -> None:
    # These are not guesses worth throttling here; the throttle has its own tests.
    app.extensions["codename_throttle"] = Throttle.for_app(
        app, "codename", per_client=10**6, overall=10**6, window_seconds=1
    )
    client = app.test_client()
    token = csrf_token(client, "/return")
    for payload in PAYLOADS:
        value = sent(payload)
        response = post_form(client, "/return", [("csrf_token", token), ("codename", value.wire)])
        page = never_a_server_error(response, payload.id)
        assert response.status_code == 200, payload.id
        assert_escaped(page, [value], payload.id, shown=False)
    for batch in spread(PAYLOADS, ("codename", "saved"), step=2):
        body = [("csrf_token", token), *((f, v.wire) for f, v in batch.items())]
        response = post_form(client, "/report/saved", body)
        page = never_a_server_error(response, str(batch))
        assert response.status_code in (200, 303, 400)
        assert_escaped(page, batch.values(), "the codename page", shown=False)
    assert client.get("/return/report").status_code == 302  # never signed in
    assert_nothing_stored_in_clear(instance, [sent(p) for p in PAYLOADS], portal_log.text)


def test_every_payload_added_later_is_kept_exactly_and_shown_escaped(
    app: Flask, store: Store, instance: Instance, portal_log: pytest.LogCaptureFixture
) -> None:
    survivor, _ = _signed_in_survivor(app)
    token = token_of(survivor.get("/return/report").get_data(as_text=True))
    added = []
    for n, payload in enumerate(PAYLOADS):
        value = sent(payload)
        kind = ("message", "addition")[n % 2]
        body = [("csrf_token", token), ("kind", kind), ("text", value.wire)]
        response = post_form(survivor, "/return/add", body)
        page = never_a_server_error(response, payload.id)
        if len(value.stored) <= 100_000:
            assert response.status_code == 303, (payload.id, page[-800:])
            added.append(value)
        else:
            assert "Please keep this under 100,000 characters." in page
            assert value.shown in page  # kept in the form
        if n % 4 == 0:  # a kind that was not offered adds nothing
            refused = post_form(survivor, "/return/add", [body[0], ("kind", value.wire), body[2]])
            assert "not a valid choice" in never_a_server_error(refused, payload.id).lower()
    page = never_a_server_error(survivor.get("/return/report"), "my report")
    shown = re.findall(r'<div class="body">(.*?)</div>', page, re.S)
    assert shown == [v.shown for v in added]
    assert_escaped(page, [sent(p) for p in PAYLOADS], "the survivor's page", shown=False)
    assert_nothing_stored_in_clear(instance, [sent(p) for p in PAYLOADS], portal_log.text)


def test_every_payload_in_the_consent_boxes_is_a_plain_yes(
    app: Flask, store: Store, instance: Instance, portal_log: pytest.LogCaptureFixture
) -> None:
    survivor, _ = _signed_in_survivor(app)
    token = token_of(survivor.get("/return/consent").get_data(as_text=True))
    for batch in spread(PAYLOADS, CONSENT_BOXES, step=2):
        body = [("csrf_token", token), *((f, v.wire) for f, v in batch.items())]
        response = post_form(survivor, "/return/consent", body)
        never_a_server_error(response, str(batch))
        assert response.status_code == 303
    with store.session() as session:
        report = session.scalars(select(Report)).one()
        assert report.export_legal and report.export_iopc and report.export_statistics
        assert report.messages_legal and report.messages_iopc
    assert_nothing_stored_in_clear(instance, [sent(p) for p in PAYLOADS], portal_log.text)


# --- The advocate's forms ------------------------------------------------------------------


# The advocate's client, the case, the advocate, and the survivor's client.
CaseWorld = tuple[FlaskClient, str, Person, FlaskClient]


@pytest.fixture
def case_world(app: Flask, store: Store, instance: Instance) -> CaseWorld:
    """One report, its survivor signed in, and an advocate signed in who can read it."""
    survivor, _ = _signed_in_survivor(app)
    person = create_person(store, instance, "alice", Role.ADVOCATE)
    advocate = signed_in_as(app, person)
    with store.session() as session:
        report_id = session.scalars(select(Report.id)).one()
    return advocate, report_id, person, survivor


def test_every_payload_as_a_reply_or_note_is_kept_exactly_and_shown_escaped(
    instance: Instance,
    case_world: CaseWorld,
    portal_log: pytest.LogCaptureFixture,
) -> None:
    advocate, report_id, _, _ = case_world
    path = f"/advocate/case/{report_id}"
    token = token_of(advocate.get(path).get_data(as_text=True))
    written = []
    for n, payload in enumerate(PAYLOADS):
        value = sent(payload)
        note = bool(n % 2)
        button = ("note", value.wire) if note else ("reply", value.wire)
        body = [("csrf_token", token), ("text", value.wire), button]
        response = post_form(advocate, f"{path}/write", body)
        page = never_a_server_error(response, payload.id)
        if len(value.stored) > 20_000:  # refused with a message, the case page shown again
            assert response.status_code == 200 and "cannot be longer than" in page
            continue
        if not note:  # the reply is shown cleaned, as the survivor will read it, then sent
            assert response.status_code == 200, payload.id
            assert section(page, r'<div class="rich-text">(.*?)</div>') == cleaned(value)
            body = [("csrf_token", token), ("text", value.wire), ("send", "y")]
            response = post_form(advocate, f"{path}/reply", body)
            never_a_server_error(response, payload.id)
        assert response.status_code == 303, payload.id
        written.append((value, note))
    page = never_a_server_error(advocate.get(path), "case")
    shown = re.findall(r'<div class="rich-text">(.*?)</div>', page, re.S)
    assert shown == [cleaned(v) for v, _ in written]
    # Replies and notes are the helper's cleaned HTML (its own tests try it with
    # hostile markup); everything else on the page is escaped.
    rest = re.sub(r'<div class="rich-text">.*?</div>', "", page, flags=re.S)
    assert_escaped(rest, [sent(p) for p in PAYLOADS], "the case page", shown=False)
    # The survivor sees the replies, cleaned, and none of the notes.
    survivor = case_world[3]
    mine = never_a_server_error(survivor.get("/return/report"), "my report")
    replies = re.findall(
        r'<li class="message advocate">.*?<div class="rich-text">(.*?)</div>', mine, re.S
    )
    assert replies == [cleaned(v) for v, note in written if not note]
    assert all(v.marker not in mine for v, note in written if note), "a note reached the survivor"
    assert_nothing_stored_in_clear(instance, [sent(p) for p in PAYLOADS], portal_log.text)


def cleaned(value: Sent) -> str:
    """A reply or note as shown: its small markup made HTML, everything else cleaned away."""
    html = str(rich_text(value.stored))
    tags = set(re.findall(r"<(/?[^>]*)>", html))
    assert tags <= {"p", "/p", "br", "ul", "/ul", "li", "/li", "strong", "/strong"}, tags
    return html


def tag_batches(limit: int) -> list[list[Sent]]:
    """Payloads joined into tag fields of at most `limit` characters (each alone if longer)."""
    batches: list[list[Sent]] = [[]]
    for payload in PAYLOADS:
        value = sent(payload)
        if sum(len(v.stored) + 2 for v in batches[-1]) + len(value.stored) > limit:
            batches.append([])
        batches[-1].append(value)
    return [b for b in batches if b]


def test_every_payload_in_the_tags_is_kept_and_shown_escaped(
    store: Store,
    instance: Instance,
    case_world: CaseWorld,
    portal_log: pytest.LogCaptureFixture,
) -> None:
    advocate, report_id, _, _ = case_world
    path = f"/advocate/case/{report_id}"
    token = token_of(advocate.get(path).get_data(as_text=True))
    valid = [("status", "new"), ("priority", "normal"), ("assignee", "")]
    problems = []
    for batch in tag_batches(500):
        typed = b", ".join(v.wire for v in batch)
        response = post_form(
            advocate, f"{path}/triage", [("csrf_token", token), *valid, ("tags", typed)]
        )
        never_a_server_error(response, str(batch))
        page = never_a_server_error(advocate.get(path), str(batch))
        tags = section(page, r'<input[^>]*name="tags"[^>]*value="([^"]*)"')
        kept = stored_form(typed.decode("utf-8", "werkzeug.url_quote"))
        if len(kept) <= 500:
            want = ", ".join(t.strip() for t in kept.split(",") if t.strip())
            if tags != escape(want):
                problems.append([v.payload.id for v in batch])
        assert_escaped(page, batch, "the triage form", shown=False)
    assert problems == []
    assert_nothing_stored_in_clear(instance, [sent(p) for p in PAYLOADS], portal_log.text)


def test_every_payload_in_the_triage_choices_and_dates_changes_nothing(
    store: Store,
    instance: Instance,
    case_world: CaseWorld,
    portal_log: pytest.LogCaptureFixture,
) -> None:
    advocate, report_id, _, _ = case_world
    path = f"/advocate/case/{report_id}"
    token = token_of(advocate.get(path).get_data(as_text=True))
    fields = ("status", "priority", "assignee", "review_on", "keep_until")
    for batch in spread(PAYLOADS, fields, step=2):
        body = [("csrf_token", token), *((f, v.wire) for f, v in batch.items()), ("tags", "kept")]
        response = post_form(advocate, f"{path}/triage", body)
        never_a_server_error(response, str(batch))
        assert response.status_code == 303
    with store.session() as session:
        report = session.get(Report, report_id)
        assert report is not None
        assert report.status.value == "new" and report.review_on is None
    page = never_a_server_error(advocate.get(path), "case")
    assert section(page, r'<input[^>]*name="tags"[^>]*value="([^"]*)"') == ""
    assert_nothing_stored_in_clear(instance, [sent(p) for p in PAYLOADS], portal_log.text)


def test_every_payload_in_the_review_filters_is_ignored_or_shown_escaped(
    instance: Instance, case_world: CaseWorld, portal_log: pytest.LogCaptureFixture
) -> None:
    advocate, _, _, _ = case_world
    fields = ("status", "priority", "assignee", "force", "harm", "danger", "sort", "page")
    fields += ("received_from", "received_to")
    # Longer than any URL a browser or gunicorn would carry: left out.
    short = [p for p in PAYLOADS if len(p.raw or p.text.encode()) < 2_000]
    for batch in spread(short, fields, step=5):
        query = "&".join(f"{f}={percent_encoded(v.wire)}" for f, v in batch.items())
        page = never_a_server_error(advocate.get(f"/advocate/?{query}"), str(batch))
        assert_escaped(page, batch.values(), "the review list", shown=False)
    page = advocate.get("/advocate/?" + urlencode({"received_from": "<b>x</b>"})).text
    assert "<b>x</b>" not in page
    assert_nothing_stored_in_clear(instance, [sent(p) for p in PAYLOADS], portal_log.text)


def test_every_payload_in_the_passphrase_form_gets_a_plain_answer(
    case_world: CaseWorld, store: Store
) -> None:
    advocate, _, person, _ = case_world
    token = token_of(advocate.get("/advocate/passphrase").get_data(as_text=True))
    for payload in PAYLOADS[::3]:  # two Argon2id calls each: a third of the corpus
        value = sent(payload)
        body = [("csrf_token", token), *((f, value.wire) for f in ("current", "new", "confirm"))]
        response = post_form(advocate, "/advocate/passphrase", body)
        page = never_a_server_error(response, payload.id)
        assert value.marker not in page, "a passphrase was shown back"
    # Each wrong current passphrase counted towards the lockout, as at sign-in; once the
    # pause is over, her own passphrase, unchanged, signs her in.
    assert log_in(advocate, person).status_code == 200
    with store.session() as session:
        account = session.scalars(select(Account).where(Account.name == person.name)).one()
        assert account.locked_until is not None
        account.locked_until = None
        session.commit()
    assert log_in(advocate, person).status_code == 303


def test_every_payload_in_a_url_gets_not_found(
    case_world: CaseWorld,
) -> None:
    advocate, report_id, _, _ = case_world
    for payload in PAYLOADS:
        if len(payload.text) > 2_000:
            continue
        part = percent_encoded(sent(payload).wire)
        for path in (f"/advocate/case/{part}", f"/advocate/case/{report_id}/file/{part}"):
            response = advocate.get(path)
            never_a_server_error(response, payload.id)
            assert response.status_code == 404, (path, payload.id)


# --- Sign-in pages, staff exports, admin accounts -----------------------------------------


def test_every_payload_in_the_sign_in_fields_gets_the_same_plain_message(
    app: Flask, instance: Instance, portal_log: pytest.LogCaptureFixture
) -> None:
    client = app.test_client()
    areas = ("advocate", "staff", "admin")
    tokens = {area: csrf_token(client, f"/{area}/login") for area in areas}
    for n, payload in enumerate(PAYLOADS):
        name, passphrase, code = (sent(PAYLOADS[(n + k) % len(PAYLOADS)]) for k in range(3))
        area = areas[n % 3]
        token = tokens[area]
        fields = [("name", name.wire), ("passphrase", passphrase.wire), ("code", code.wire)]
        response = post_form(client, f"/{area}/login", [("csrf_token", token), *fields])
        page = never_a_server_error(response, payload.id)
        assert response.status_code == 200, payload.id
        assert "Those details did not work." in page or "There is a problem" in page
        assert str(escape(name.typed.strip())) in page  # kept in the form, escaped
        assert passphrase.marker not in page, "a passphrase was shown back"
        assert_escaped(page, [name, passphrase, code], payload.id, shown=False)
    assert_nothing_stored_in_clear(instance, [sent(p) for p in PAYLOADS], portal_log.text)


def test_every_payload_in_the_export_form_gets_a_plain_message_and_no_export(
    app: Flask, store: Store, instance: Instance, portal_log: pytest.LogCaptureFixture
) -> None:
    survivor = app.test_client()
    token = csrf_token(survivor)
    post_form(
        survivor,
        "/report",
        [
            ("csrf_token", token),
            ("what_happened", "x"),
            ("consent_read", "y"),
            ("consent_legal", "y"),
        ],
    )
    staff = signed_in_as(app, create_person(store, instance, "sam", Role.STAFF))
    with store.session() as session:
        report_id = session.scalars(select(Report.id)).one()
    path = f"/staff/case/{report_id}/export"
    token = token_of(staff.get(path).get_data(as_text=True))
    for n, payload in enumerate(PAYLOADS):
        value = sent(payload)
        secret = sent(PAYLOADS[(n + 1) % len(PAYLOADS)])
        attempts = [
            [
                ("purpose", value.wire),
                ("zip_passphrase", secret.wire),
                ("age_recipient", value.wire),
                ("leave_out_damaged", value.wire),
            ],
            # A consented purpose with, as the generated passphrase sent back, anything
            # but one: never used, never shown back.
            [("purpose", "legal"), ("generated", secret.wire)],
        ]
        if n % 4 == 0:  # a consented purpose, and a key that only looks like an age key
            attempts.append([("purpose", "legal"), ("age_recipient", b"age1" + value.wire)])
        for fields in attempts:
            response = post_form(staff, path, [("csrf_token", token), *fields])
            page = never_a_server_error(response, payload.id)
            assert response.status_code == 200, payload.id
            assert response.mimetype == "text/html"  # a form again, never a bundle
            assert "There is a problem" in page
            assert_escaped(page, [value], payload.id, shown=False)
            assert secret.marker not in page, "the ZIP passphrase was shown back"
    assert_nothing_stored_in_clear(instance, [sent(p) for p in PAYLOADS], portal_log.text)


def test_every_payload_in_the_admin_forms_gets_a_plain_answer_and_names_are_shown_escaped(
    app: Flask, store: Store, instance: Instance
) -> None:
    admin = signed_in_as(app, create_person(store, instance, "root", Role.ADMIN))
    token = token_of(admin.get("/admin/").get_data(as_text=True))
    with store.session() as session:
        before = session.scalar(select(func.count()).select_from(Account))
    created = []
    joiner, join_path = app.test_client(), ""
    for n, payload in enumerate(PAYLOADS):
        value = sent(payload)
        if n % 2 == 0:  # half the corpus as the role to invite to: there is none such
            invited = post_form(
                admin, "/admin/invite", [("csrf_token", token), ("role", value.wire)]
            )
            never_a_server_error(invited, payload.id)
            assert invited.status_code == 303, payload.id
        if not join_path:  # a new invitation once the last one was used
            with store.session() as session:
                join_path = f"/admin/join/{invitations.create(session, Role.ADVOCATE, 'test')}"
                session.commit()
            set_up = read_set_up_page(joiner.get(join_path).get_data(as_text=True))
        attempts = [(payload.raw or payload.text.encode(), b"orbit velvet lantern harbour")]
        if n % 3 == 0:  # zxcvbn takes a while: a third of the corpus as passphrases
            attempts.append((f"joiner{n}".encode(), value.wire))
        for name, passphrase in attempts:
            body = [("csrf_token", set_up.csrf_token), ("name", name), ("passphrase", passphrase)]
            app_code = [("offer", set_up.offer), ("code", set_up.totp.now())]
            response = post_form(joiner, join_path, [*body, ("confirm", passphrase), *app_code])
            page = never_a_server_error(response, payload.id)
            assert value.marker not in page, "a passphrase was shown back"
            if "Your account is ready" in page:
                created.append(name.decode())
                joiner, join_path = app.test_client(), ""
                break
            assert "There is a problem" in page or 'role="alert"' in page, payload.id
    listing = never_a_server_error(admin.get("/admin/"), "admin list")
    for name in created:
        assert str(escape(name)) in listing
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Account)) == before + len(created)


# --- File names ----------------------------------------------------------------------------


def multipart(fields: Sequence[tuple[bytes, bytes]], files: Sequence[bytes]) -> tuple[bytes, str]:
    """A multipart body written by hand, so that file names travel exactly as given."""
    boundary = b"----hostile-corpus-boundary"
    parts = []
    for name, value in fields:
        parts.append(b'Content-Disposition: form-data; name="%s"\r\n\r\n%s' % (name, value))
    for filename in files:
        parts.append(
            b'Content-Disposition: form-data; name="files"; filename="%s"\r\n'
            b"Content-Type: text/plain\r\n\r\nevidence" % filename
        )
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    return body + b"--" + boundary + b"--\r\n", f"multipart/form-data; boundary={boundary.decode()}"


def expected_name(typed: str) -> str | None:
    """The name the portal keeps: the last part of a path, printable, trimmed; None if unsure."""
    if any(ch in typed for ch in '"\r\n'):
        return None  # they end the header's quoted string: the parser decides
    base = typed.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return "file" if base in ("", ".", "..") else base[:200]


def test_a_file_name_that_is_not_utf8_gets_a_plain_page_and_stores_nothing(
    client: FlaskClient, store: Store
) -> None:
    # Werkzeug cannot read such a part's headers, so it reads no form at all: the
    # request is answered as an expired form would be. Browsers always send UTF-8.
    token = csrf_token(client)
    for payload in (p for p in PAYLOADS if p.raw):
        body, content_type = multipart(
            [(b"csrf_token", token.encode()), (b"what_happened", b"x")], [payload.raw + b".txt"]
        )
        response = client.post("/report", data=body, content_type=content_type)
        page = never_a_server_error(response, payload.id)
        assert response.status_code == 400, payload.id
        assert "Nothing has been sent yet" in page
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 0
        assert session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_every_payload_as_a_file_name_is_kept_safely_and_shown_escaped(
    app: Flask, store: Store, instance: Instance, portal_log: pytest.LogCaptureFixture
) -> None:
    survivor = app.test_client()
    advocate = signed_in_as(app, create_person(store, instance, "alice", Role.ADVOCATE))
    names = [sent(p) for p in FITTING if len(p.raw or p.text.encode()) < 2_000 and not p.raw]
    token = csrf_token(survivor)
    problems = []
    seen: set[str] = set()
    for start in range(0, len(names), 5):
        batch = names[start : start + 5]
        wires = [v.wire + b".txt" for v in batch]
        # Names are kept only with the hidden details: a text file is kept only as sent.
        fields = [
            (b"csrf_token", token.encode()),
            (b"submission", submission_of(survivor, "/report").encode()),
            (b"consent_read", b"y"),
            (b"what_happened", b"x"),
        ]
        body, content_type = multipart([*fields, (b"keep_metadata", b"y")], wires)
        response = survivor.post(
            "/report", data=body, content_type=content_type, follow_redirects=True
        )
        page = never_a_server_error(response, str([v.payload.id for v in batch]))
        codename = CODENAME.search(page)
        assert codename, page[-1500:]
        assert (
            post_form(
                survivor, "/return", [("csrf_token", token), ("codename", codename.group(1))]
            ).status_code
            == 303
        )
        mine = never_a_server_error(survivor.get("/return/report"), "my report")
        with store.session() as session:
            ids = set(session.scalars(select(Report.id)))
        (report_id,) = ids - seen
        seen = ids
        case = never_a_server_error(advocate.get(f"/advocate/case/{report_id}"), "case")
        for value, wire in zip(batch, wires, strict=True):
            name = expected_name(wire.decode("utf-8", "replace"))
            for where, shown_page in (("survivor", mine), ("advocate", case)):
                if MARKUP.search(value.stored) and value.stored in shown_page:
                    problems.append(f"{where}: {value.payload.id} unescaped")
                if (
                    name is not None
                    and f"{escape(name)} (" not in shown_page
                    and (f">{escape(name)}</a>" not in shown_page)
                ):
                    problems.append(f"{where}: {value.payload.id} not shown as {name[:40]!r}")
        # Each download names the file safely in one header line.
        for link in re.findall(r'href="(/advocate/case/[^"]+/file/[^"]+)"', case):
            download = advocate.get(link)
            assert download.status_code == 200
            disposition = download.headers["Content-Disposition"]
            assert "\r" not in disposition and "\n" not in disposition
            assert re.fullmatch(
                r"attachment; filename=\"evidence\"; filename\*=UTF-8''[\w%.~-]*", disposition
            ), disposition
            assert download.data == b"evidence"
        token = token_of(mine)
    assert problems == []
    with store.session() as session:
        attached = session.scalar(select(func.count()).select_from(Attachment))
    # A newline ends the part's header line, and a leading quote closes the name at once:
    # those parts carry no file, or a file with no name, which browsers send for "no file".
    assert attached == sum(1 for v in names if not re.match(rb'"|.*[\r\n]', v.wire, re.S))
    assert_nothing_stored_in_clear(instance, names, portal_log.text)


def test_a_text_field_sent_under_the_files_name_is_no_file_and_no_error(
    app: Flask, store: Store
) -> None:
    survivor, _ = _signed_in_survivor(app)
    token = token_of(survivor.get("/return/report").get_data(as_text=True))
    response = post_form(
        survivor,
        "/report",
        [("csrf_token", token), ("what_happened", "It was him."), ("files", "<script>")],
    )
    assert CODENAME.search(never_a_server_error(response, "report"))
    survivor, _ = _signed_in_survivor(app)
    token = token_of(survivor.get("/return/report").get_data(as_text=True))
    added = post_form(
        survivor,
        "/return/add",
        [("csrf_token", token), ("kind", "message"), ("text", "hi"), ("files", "x")],
    )
    never_a_server_error(added, "add")
    assert added.status_code == 303
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_a_passphrase_longer_than_zxcvbn_reads_is_judged_not_a_crash(
    app: Flask, store: Store
) -> None:
    from portal.core import authentication

    long_one = "orbit velvet lantern harbour quietly under the mossy northern bridge again"
    assert len(long_one) > 72
    authentication.check_passphrase(long_one, "joiner")  # no ValueError from zxcvbn
    with pytest.raises(authentication.AccountError):
        authentication.check_passphrase("a" * 200, "joiner")
    with store.session() as session:
        path = f"/admin/join/{invitations.create(session, Role.ADVOCATE, 'test')}"
        session.commit()
    client = app.test_client()
    set_up = read_set_up_page(client.get(path).get_data(as_text=True))
    body = [("name", "joiner"), ("passphrase", long_one), ("confirm", long_one)]
    app_code = [("offer", set_up.offer), ("code", set_up.totp.now())]
    response = post_form(client, path, [("csrf_token", set_up.csrf_token), *body, *app_code])
    assert "Your account is ready" in never_a_server_error(response, "join")
