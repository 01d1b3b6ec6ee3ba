"""The survivor's header on a phone and a laptop: nothing overlaps; Shift offered only with JS."""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

import pytest
from playwright.sync_api import FloatRect, Locator, expect

from tests.browser.conftest import Portal, Visit

SHIFT = "Shift three times"
# How many lines an element's text runs over: the distinct tops of its text's boxes.
LINES = """element => {
  const text = document.createRange();
  text.selectNodeContents(element);
  return new Set([...text.getClientRects()].map(box => Math.round(box.top))).size;
}"""


def _box(locator: Locator) -> FloatRect:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not shown"
    return box


def _overlap(a: FloatRect, b: FloatRect) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


@pytest.mark.parametrize("width", [320, 375, 1280])
@pytest.mark.parametrize("javascript", [False, True], ids=["javascript-off", "javascript-on"])
def test_the_exit_button_its_hint_and_every_link_of_the_survivor_header_stand_apart(
    portal: Portal, visit: Callable[..., Visit], javascript: bool, width: int
) -> None:
    page = visit(javascript=javascript, viewport={"width": width, "height": 800}).page()
    page.goto(portal.url + "/report")
    header = page.locator("header")
    exit_button = header.get_by_role("link", name="Exit this page")
    boxes = {"the exit button": _box(exit_button)}
    hint = header.locator(".exit-hint")
    if hint.is_visible():
        boxes["the hint"] = _box(hint)
    links = header.get_by_role("navigation").get_by_role("link").all()
    assert len(links) == 4
    for link in links:
        name = link.inner_text()
        lines = link.evaluate(LINES)
        assert lines == 1, f"at {width}px the link {name!r} breaks over {lines} lines"
        boxes[f"the link {name!r}"] = _box(link)
    for (one, a), (other, b) in combinations(boxes.items(), 2):
        assert not _overlap(a, b), f"at {width}px {one} {a} overlaps {other} {b}"
    if width < 600:  # a phone: the button across the top, the links below it
        button = boxes["the exit button"]
        inside = header.evaluate(
            "h => h.clientWidth - 2 * parseFloat(getComputedStyle(h).paddingLeft)"
        )
        assert button["width"] >= inside - 1, f"at {width}px the exit button is not full width"
        for link in links:
            assert _box(link)["y"] >= button["y"] + button["height"], "a link beside the button"


@pytest.mark.parametrize("javascript", [False, True], ids=["javascript-off", "javascript-on"])
def test_pressing_shift_is_offered_only_when_javascript_runs_to_make_it_work(
    portal: Portal, visit: Callable[..., Visit], javascript: bool
) -> None:
    page = visit(javascript=javascript, viewport={"width": 375, "height": 800}).page()
    page.goto(portal.url + "/")
    header = page.locator("header")
    expect(header.get_by_role("link", name="Exit this page")).to_be_visible()
    if javascript:
        expect(header).to_contain_text(SHIFT, use_inner_text=True)
    else:
        expect(header).not_to_contain_text(SHIFT, use_inner_text=True)
        # Not shown, nor read out: a screen reader reads text that is only moved off screen.
        expect(header.get_by_text(SHIFT)).to_be_hidden()
