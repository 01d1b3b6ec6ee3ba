"""What may go out for a purpose is decided by one function, the same for every export."""

from __future__ import annotations

import pytest

from portal.core.consent import PURPOSES, consented_for, export_consent, exportable
from portal.store.models import Author, MessageKind, Report


def _report(**consent: bool) -> Report:
    return Report(
        **{
            "export_legal": False,
            "export_iopc": False,
            "messages_legal": False,
            "messages_iopc": False,
            **consent,
        }
    )


@pytest.mark.parametrize("purpose", list(PURPOSES))
def test_messages_chosen_without_consent_to_the_case_do_not_go(purpose: str) -> None:
    consent = export_consent(_report(messages_legal=True, messages_iopc=True), purpose)
    assert not consent.case and not consent.messages
    assert not consent.shares(Author.SURVIVOR, MessageKind.ADDITION)


def test_consent_to_one_purpose_says_nothing_of_the_other() -> None:
    report = _report(export_legal=True, messages_legal=True)
    assert export_consent(report, "legal").messages
    assert not export_consent(report, "iopc").case
    assert exportable(report) and not exportable(_report())


def test_her_additions_go_with_the_case_and_messages_only_when_she_chose() -> None:
    without = export_consent(_report(export_iopc=True), "iopc")
    assert without.shares(Author.SURVIVOR, MessageKind.ADDITION)
    assert not without.shares(Author.SURVIVOR, MessageKind.MESSAGE)
    assert not without.shares(Author.ADVOCATE, MessageKind.MESSAGE)
    with_messages = export_consent(_report(export_iopc=True, messages_iopc=True), "iopc")
    assert with_messages.shares(Author.ADVOCATE, MessageKind.MESSAGE)
    assert not with_messages.narrowed(False).shares(Author.ADVOCATE, MessageKind.MESSAGE)


@pytest.mark.parametrize("kind", [k for k in MessageKind if k is not MessageKind.MESSAGE])
def test_an_advocate_entry_that_is_not_a_message_never_goes(kind: MessageKind) -> None:
    consent = export_consent(_report(export_legal=True, messages_legal=True), "legal")
    assert not consent.shares(Author.ADVOCATE, kind)


@pytest.mark.parametrize("purpose", ["statistics", "", "LEGAL"])
def test_an_unknown_purpose_is_refused(purpose: str) -> None:
    with pytest.raises(ValueError, match="unknown purpose"):
        export_consent(_report(export_legal=True), purpose)
    with pytest.raises(ValueError, match="unknown purpose"):
        consented_for(purpose)
