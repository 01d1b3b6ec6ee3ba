"""Anonymised statistics count only consented reports and never publish a small number."""

from __future__ import annotations

import csv
import io
import random
import re
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from crypto.errors import CryptoError
from portal.cli.statistics import stats_command
from portal.core.reports import open_report_key, open_statistics
from portal.staff import statistics
from portal.staff.charts import chart_svg
from portal.staff.statistics import Cell, Suppression, Table
from portal.staff.statistics_formats import to_csv
from portal.store import Store
from portal.store.models import AuditEvent, Group, Report, Role
from tests.support.instance import Instance
from tests.support.keys import principal_of
from tests.support.pages import submit
from tests.support.people import PASSPHRASE, Person, create_person, signed_in_as

ROW = re.compile(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>")
TOTAL = re.compile(r'<tfoot><tr><th scope="row">Total</th><td>([^<]*)</td></tr></tfoot>')


@pytest.fixture
def seeded(client: FlaskClient) -> None:
    """6 Kent and 2 Essex reports counted; 5 Surrey reports consented only to legal export.

    The Surrey reports are sealed to the exporters (legal consent) but not consented
    for statistics, so they are the sharpest test that consent, not the key, decides.
    """
    for n in range(6):
        submit(
            client,
            what_happened=f"kent {n}",
            force="Kent Police",
            harms=["stalking", "physical"] if n < 5 else ["stalking"],
            consent_read="y",
            consent_statistics="y",
        )
    for n in range(2):
        submit(
            client,
            what_happened=f"essex {n}",
            force="Essex Police",
            harms=["stalking"],
            consent_read="y",
            consent_statistics="y",
        )
    for n in range(5):
        submit(
            client,
            what_happened=f"surrey {n}",
            force="Surrey Police",
            harms=["sexual"],
            consent_read="y",
            consent_legal="y",
        )


def _sections(page: str) -> dict[str, str]:
    """Each table's section of the page, by its key."""
    parts = re.split(r'<section aria-labelledby="heading-', page)[1:]
    return {part.split('"', 1)[0]: part for part in parts}


def test_statistics_page_counts_only_consented_reports_and_suppresses_small_numbers(
    seeded: None, staff_client: FlaskClient
) -> None:
    response = staff_client.get("/staff/statistics")
    assert response.status_code == 200
    sections = _sections(response.get_data(as_text=True))
    forces = dict(ROW.findall(sections["force"]))
    assert forces == {"Kent Police": "6", "Essex Police": "fewer than 5"}
    assert "Surrey" not in response.get_data(as_text=True)
    harms = dict(ROW.findall(sections["harm"]))
    # All 8 name stalking: that count would put a floor of 8 under the total (so
    # Essex at least 2), hence it is withheld.
    assert harms == {"Physical assault": "5", "Stalking or harassment": "withheld"}
    assert "Sexual violence" not in response.get_data(as_text=True)


def test_no_exact_total_gives_a_suppressed_cell_away(
    seeded: None, staff_client: FlaskClient
) -> None:
    page = staff_client.get("/staff/statistics").get_data(as_text=True)
    sections = _sections(page)
    # 8 reports in all: an exact 8 anywhere (a total, or the one year or status) would
    # give Essex away as 8 - 6 = 2.
    for key in ("force", "year", "status"):
        assert TOTAL.findall(sections[key]) == ["at least 7"], key
        assert "8" not in dict(ROW.findall(sections[key])).values(), key
    assert ">8<" not in page


def test_statistics_csv_is_a_download_with_small_numbers_suppressed(
    seeded: None, staff_client: FlaskClient
) -> None:
    response = staff_client.get("/staff/statistics.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["table", "category", "count"]
    assert ["force", "Kent Police", "6"] in rows
    assert ["force", "Essex Police", "<5"] in rows
    assert ["force", "Total", "at least 7"] in rows
    assert not [row for row in rows if "Surrey" in row[1]]
    numbers = [int(row[2]) for row in rows[1:] if row[2].isdigit()]
    assert numbers and min(numbers) >= 5


def test_viewing_and_downloading_statistics_are_audited(
    seeded: None, staff_client: FlaskClient, store: Store
) -> None:
    staff_client.get("/staff/statistics")
    staff_client.get("/staff/statistics.csv")
    with store.session() as session:
        events = [(e.actor, e.action) for e in session.scalars(select(AuditEvent))]
    assert ("sam", "statistics viewed") in events
    assert ("sam", "statistics downloaded") in events


@pytest.mark.parametrize("role", [Role.ADVOCATE, Role.ADMIN])
@pytest.mark.parametrize("path", ["/staff/statistics", "/staff/statistics.csv"])
def test_only_staff_see_statistics(
    app: Flask, store: Store, instance: Instance, role: Role, path: str
) -> None:
    person = create_person(store, instance, "someone", role)
    client = signed_in_as(app, person)
    assert client.get(path).status_code == 404


def test_statistics_need_signing_in(client: FlaskClient) -> None:
    response = client.get("/staff/statistics")
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]


def test_staff_never_decrypt_a_report_not_consented_for_statistics(
    seeded: None, client: FlaskClient, store: Store, staff: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A report whose flag says "statistics" but which was never sealed to the
    # exporters (as if the flag had been altered in the database).
    submit(client, what_happened="flag only", force="Dorset Police", consent_read="y")
    with store.session() as session:
        unsealed = session.scalars(
            select(Report).where(~Report.export_statistics, ~Report.export_legal)
        ).all()
        for report in unsealed:
            report.export_statistics = True
        unsealed_ids = {r.id for r in unsealed}
        session.commit()
    accounts_opened: list[str] = []
    facts_opened: list[str] = []
    real_account, real_facts = statistics.decrypt_account, statistics.open_statistics

    def opening_account(data_key: bytes, report: Report) -> dict[str, Any]:
        accounts_opened.append(report.id)
        return real_account(data_key, report)

    def opening_facts(report: Report, holder: Any) -> dict[str, Any] | None:
        facts_opened.append(report.id)
        return real_facts(report, holder)

    monkeypatch.setattr(statistics, "decrypt_account", opening_account)
    monkeypatch.setattr(statistics, "open_statistics", opening_facts)
    with store.session() as session:
        result = statistics.compute(session, principal_of(store, staff))
    assert len(unsealed_ids) == 1
    assert not unsealed_ids.intersection(accounts_opened + facts_opened)
    # Only the 8 reports consented for statistics, and only their sealed facts: no
    # account is opened, not even the Surrey ones, sealed to the exporters for a
    # legal export although their survivors said no to statistics.
    with store.session() as session:
        legal_only = set(session.scalars(select(Report.id).where(Report.export_legal)))
    assert len(facts_opened) == 8 and len(legal_only) == 5
    assert accounts_opened == []
    assert not legal_only.intersection(facts_opened)
    forces = {c.category for c in result.tables[0].cells}
    assert forces == {"Kent Police", "Essex Police"}


def test_consent_to_statistics_alone_gives_staff_the_counts_but_not_the_report(
    seeded: None, store: Store, staff: Person
) -> None:
    principal = principal_of(store, staff)
    with store.session() as session:
        counted = session.scalars(select(Report).where(Report.export_statistics)).all()
        assert len(counted) == 8
        for report in counted:
            assert open_report_key(report, principal, Group.EXPORTERS) is None
            assert {s.group_key.group for s in report.seals} == {Group.ADVOCATES, Group.RECOVERY}
            facts = open_statistics(report, principal)
            assert facts is not None and set(facts) == {"force", "harms"}
        # Every force and set of harms seals to the same length: it tells nothing.
        assert len({len(r.statistics_seal or b"") for r in counted}) == 1
        result = statistics.compute(session, principal)
    forces = dict((c.category, c.count) for c in result.tables[0].cells)
    assert forces == {"Kent Police": 6, "Essex Police": None}  # 2 is "fewer than 5"


def test_a_statistics_seal_moved_to_another_report_does_not_open(
    seeded: None, store: Store, staff: Person
) -> None:
    with store.session() as session:
        first, second = session.scalars(
            select(Report).where(Report.export_statistics).order_by(Report.id).limit(2)
        ).all()
        second.statistics_seal = first.statistics_seal
        session.commit()
    with store.session() as session:
        moved = session.get(Report, second.id)
        assert moved is not None
        with pytest.raises(CryptoError):
            open_statistics(moved, principal_of(store, staff))
        assert statistics.compute(session, principal_of(store, staff)).unreadable


def test_a_report_consented_before_facts_were_sealed_apart_is_counted_through_its_key(
    client: FlaskClient, store: Store, staff: Person
) -> None:
    submit(
        client,
        what_happened="older",
        force="Kent Police",
        consent_legal="y",
        consent_statistics="y",
    )
    with store.session() as session:  # as a report stored before migration 0005 is
        report = session.scalars(select(Report)).one()
        report.statistics_seal = report.statistics_key_id = None
        session.commit()
        result = statistics.compute(session, principal_of(store, staff))
    assert [c.category for c in result.tables[0].cells] == ["Kent Police"]


def test_an_advocate_cannot_compute_statistics(store: Store, instance: Instance) -> None:
    advocate = create_person(store, instance, "alice", Role.ADVOCATE)
    with store.session() as session, pytest.raises(statistics.StaffOnly):
        statistics.compute(session, principal_of(store, advocate))


def test_stats_command_prints_suppressed_csv(
    seeded: None, store: Store, staff: Person, instance: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_INSTANCE", str(instance.path))
    runner = CliRunner()
    args = ["--user", "sam", "--passphrase-stdin", "--csv"]
    result = runner.invoke(stats_command, args, input=PASSPHRASE + "\n")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert ["force", "Essex Police", "<5"] in rows
    assert ["force", "Kent Police", "6"] in rows
    text = runner.invoke(stats_command, args[:-1], input=PASSPHRASE + "\n")
    assert "Essex Police" in text.output and "fewer than 5" in text.output
    wrong = runner.invoke(stats_command, args, input="not the passphrase\n")
    assert wrong.exit_code != 0 and "did not work" in wrong.output


def test_chart_escapes_every_text_and_has_no_script_or_inline_style() -> None:
    hostile = "<script>alert(1)</script>"
    table = Table(
        "force",
        'Reports "by" <force>',
        (Cell(hostile, 9), Cell("Essex Police", None, Suppression.SMALL)),
    )
    svg = chart_svg(table)
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "style=" not in svg
    root = ET.fromstring(svg)  # noqa: S314 - our own output; well-formed means nothing broke out
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}title") is not None
    assert root.find(f"{ns}title").text == 'Reports "by" <force>'  # type: ignore[union-attr]
    desc = root.find(f"{ns}desc")
    assert desc is not None and "Essex Police: fewer than 5" in (desc.text or "")
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert hostile in texts and "<5" in texts and "9" in texts
    hatched = [r for r in root.iter(f"{ns}rect") if r.get("fill") == "url(#hatch-force)"]
    assert len(hatched) == 1


def test_csv_neutralises_formula_like_categories() -> None:
    stats = statistics.Statistics((Table("force", "Forces", (Cell("=HYPERLINK(1)", 7),)),))
    rows = list(csv.reader(io.StringIO(to_csv(stats))))
    assert rows[1] == ["force", "'=HYPERLINK(1)", "7"]


def test_exact_totals_when_nothing_is_small() -> None:
    tables = statistics.tabulate(
        Counter({"Kent Police": 6, "Essex Police": 5}),
        Counter({"2025": 11}),
        Counter({"new": 11}),
        Counter({"stalking": 11}),
    )
    force, harm, year, status = tables
    assert force.total_shown == year.total_shown == status.total_shown == "11"
    assert [c.shown for c in force.cells] == ["6", "5"]
    assert harm.total_shown == ""


# --- An attacker's check, independent of the code's own reasoning -------------


def _possible_totals(table: Table, fixed: tuple[int, int] | None, limit: int) -> set[int]:
    """Every total a table's published cells allow, with cell `fixed[0]` set to fixed[1].

    Withheld cells are 5 or more and, being withheld smallest first, no bigger than
    the smallest count still shown in that table.
    """
    shown = [c.count for c in table.cells if c.count is not None]
    cap = min(shown, default=limit)
    ranges = []
    for i, cell in enumerate(table.cells):
        if fixed is not None and i == fixed[0]:
            ranges.append(range(fixed[1], fixed[1] + 1))
        elif cell.suppression is Suppression.SMALL:
            ranges.append(range(1, 5))
        elif cell.suppression is Suppression.SECONDARY:
            ranges.append(range(5, cap + 1))
        else:
            ranges.append(range(cell.count or 0, (cell.count or 0) + 1))
    totals = {0}
    for r in ranges:
        totals = {t + v for t in totals for v in r if t + v <= limit}
    return totals


def _harm_floor(tables: tuple[Table, ...]) -> int:
    """No fewer reports than any one harm's count (withheld ones: largest first, and >= 5)."""
    harm = [t for t in tables if t.key == "harm"]
    cells = harm[0].cells if harm else ()
    shown = [c.count for c in cells if c.count is not None]
    withheld = any(c.suppression is Suppression.SECONDARY for c in cells)
    small = any(c.suppression is Suppression.SMALL for c in cells)
    return max([*shown, 5 if withheld else 0, 1 if small else 0])


def _attacker_can_narrow(tables: tuple[Table, ...], limit: int) -> bool:
    shared = [t for t in tables if t.key in {"force", "year", "status"} and t.cells]
    floor = set(range(_harm_floor(tables), limit + 1))
    for table in shared:
        others = [floor] + [_possible_totals(t, None, limit) for t in shared if t is not table]
        for i, cell in enumerate(table.cells):
            if cell.suppression is not Suppression.SMALL:
                continue
            for v in range(1, 5):
                mine = _possible_totals(table, (i, v), limit)
                if not set.intersection(mine, *others):
                    return True
    return False


def _random_counts(rng: random.Random, names: list[str], total: int) -> Counter[str]:
    return Counter(rng.choice(names) for _ in range(total))


@pytest.mark.parametrize("seed", range(40))
def test_no_suppressed_cell_can_be_narrowed_by_combining_tables(seed: int) -> None:
    rng = random.Random(seed)
    total = rng.randint(1, 30)
    forces = _random_counts(rng, ["Kent", "Essex", "Dorset", "Surrey"], total)
    years = _random_counts(rng, ["2024", "2025"], total)
    statuses = _random_counts(rng, ["new", "in review", "closed"], total)
    harms: Counter[str] = Counter()
    for _ in range(total):
        harms.update(rng.sample(["physical", "stalking", "sexual"], rng.randint(0, 3)))
    tables = statistics.tabulate(forces, years, statuses, harms)
    limit = total + 40  # withheld cells could be larger than the real total: allow for it
    assert not _attacker_can_narrow(tables, limit)
    for table in tables:
        for cell in table.cells:
            assert cell.count is None or cell.count >= 5
            if cell.count is None:
                assert cell.shown in {"fewer than 5", "withheld"}
        if any(c.count is None for c in table.cells):
            assert not table.total_shown or table.total_shown.startswith("at least")


def test_the_attacker_check_catches_the_naive_rule() -> None:
    # Without secondary suppression, a single year holding every report tells the total.
    naive = (
        Table("force", "", (Cell("Kent", 6), Cell("Essex", None, Suppression.SMALL))),
        Table("year", "", (Cell("2025", 8),)),
        Table("status", "", (Cell("new", 8),)),
    )
    assert _attacker_can_narrow(naive, 60)
    # Nor may a harm named in every report tell it.
    hidden_year = (
        naive[0],
        Table("year", "", (Cell("2025", None, Suppression.SECONDARY),)),
        Table("status", "", (Cell("new", None, Suppression.SECONDARY),)),
    )
    assert not _attacker_can_narrow(hidden_year, 60)
    assert _attacker_can_narrow((*hidden_year, Table("harm", "", (Cell("stalking", 10),))), 60)
