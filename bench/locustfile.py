"""Load for `make bench`, run by locust in headless mode (FastHttpUser).

Settings come from the environment, set by bench/run.py:
BENCH_SAMPLES (where to write every timing as JSON lines), BENCH_ACCOUNT
(the survivor's account text), BENCH_COOKIE (an advocate's session cookie),
BENCH_CASES (a file of report ids, one a line), BENCH_HOSTS (the hosts'
base URLs, space-separated: the users are dealt out among them in turn).
bench/run.py puts this tree first on PYTHONPATH, so `bench.sealed` imports.

Each timing is written as {"t": end time, "name", "ms", "ok", and "error" if any}; bench/run.py
computes throughput and percentiles from them, per window, so that the
figures and their noise come from the same samples.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time

from locust import FastHttpUser, between, constant, events, task

from bench.client import multipart
from bench.sealed import ReportPage, SealedVisit, bench_account, seal_report

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SUBMISSION = re.compile(r'name="submission"[^>]*value="([^"]+)"')
CODENAME = re.compile(r'<p class="codename" lang="en">')
_samples: list[dict[str, object]] = []
HOSTS = os.environ.get("BENCH_HOSTS", "").split()
_dealt = itertools.count()


def _record(name: str, started: float, ok: bool) -> None:
    ms = (time.perf_counter() - started) * 1000
    _samples.append({"t": time.time(), "name": name, "ms": ms, "ok": ok})


@events.request.add_listener
def _each_request(name: str, response_time: float, exception: object, **_kwargs: object) -> None:
    sample = {"t": time.time(), "name": name, "ms": response_time, "ok": exception is None}
    url = str(_kwargs.get("url") or "")
    host = next((number for number, base in enumerate(HOSTS) if url.startswith(base)), None)
    if len(HOSTS) > 1 and host is not None:
        sample["host"] = host
    if exception is not None:
        sample["error"] = str(exception)[:200]  # a status or a connection error, never content
    _samples.append(sample)


@events.quitting.add_listener
def _write_samples(**_kwargs: object) -> None:
    with open(os.environ["BENCH_SAMPLES"], "w", encoding="utf-8") as out:
        for sample in _samples:
            out.write(json.dumps(sample) + "\n")


class _Dealt(FastHttpUser):
    """A user sent to the next host in turn, when there are several."""

    abstract = True

    def __init__(self, environment: object) -> None:
        if HOSTS:
            self.host = HOSTS[next(_dealt) % len(HOSTS)]
        super().__init__(environment)


class Survivor(_Dealt):
    """A new survivor each time: GET the form, POST the report, see the codename."""

    wait_time = constant(0)
    account = os.environ.get("BENCH_ACCOUNT", "")

    @task
    def submit(self) -> None:
        self.client.cookiejar.clear()  # a new visitor, with a new session and CSRF token
        started = time.perf_counter()
        ok = False
        with self.client.get("/report", name="GET /report", catch_response=True) as page:
            token = TOKEN.search(page.text or "") if page.status_code == 200 else None
            submission = SUBMISSION.search(page.text or "")
            if token is None or submission is None:
                page.failure("no form")
        if token is not None and submission is not None:
            body, content_type = multipart(
                {
                    "csrf_token": token.group(1),
                    "submission": submission.group(1),
                    "in_danger": "no",
                    "what_happened": self.account,
                    "force": "Kent Police",
                    "harms": "physical",
                    "contact_method": "inbox",
                    "consent_read": "y",
                }
            )
            with self.client.post(
                "/report",
                data=body,
                headers={"Content-Type": content_type},
                name="POST /report",
                catch_response=True,
            ) as answer:  # followed, as a browser does, to the codename page
                ok = answer.status_code == 200 and bool(CODENAME.search(answer.text or ""))
                if not ok:
                    answer.failure(f"no codename (status {answer.status_code})")
        _record("submission", started, ok)


class SealedSurvivor(_Dealt):
    """A new survivor each time whose browser seals her report: GET the form, seal the
    account to the page's keys here, POST the envelopes, see the reference."""

    wait_time = constant(0)
    account = bench_account(os.environ.get("BENCH_ACCOUNT", ""))

    @task
    def submit(self) -> None:
        self.client.cookiejar.clear()  # a new visitor, with a new session and CSRF token
        started = time.perf_counter()
        sealed = self._seal(self._form())
        ok = sealed is not None and self._send(sealed)
        _record("sealed submission", started, ok)

    def _form(self) -> str | None:
        with self.client.get("/report", name="GET /report", catch_response=True) as page:
            if page.status_code == 200:
                return page.text or ""
            page.failure(f"no form (status {page.status_code})")
            return None

    def _seal(self, page: str | None) -> SealedVisit | None:
        """The envelopes, recorded as "sealing" with the client's CPU milliseconds."""
        if page is None:
            return None
        sample: dict[str, object] = {"name": "sealing", "ms": 0.0, "ok": False}
        try:
            sealed = seal_report(ReportPage.read(page), self.account)
        except ValueError as problem:  # PageNotUnderstood too
            sample["error"] = str(problem)[:200]  # what was missing, never content
            sealed = None
        else:
            sample |= {"ms": sealed.cpu_ms, "ok": True}
        _samples.append({"t": time.time(), **sample})
        return sealed

    def _send(self, sealed: SealedVisit) -> bool:
        body, content_type = multipart(sealed.fields, empty_file_input=False)
        with self.client.post(
            sealed.send_to,
            data=body,
            headers={"Content-Type": content_type, "Accept": "application/json"},
            name="POST /report/sealed",
            catch_response=True,
        ) as answer:
            ok = answer.status_code == 200 and _reference(answer.text) == sealed.reference
            if not ok:
                answer.failure(f"no reference (status {answer.status_code})")
        return ok


def _reference(text: str | None) -> str | None:
    """The reference in the portal's JSON answer, if it is one."""
    try:
        answer = json.loads(text or "")
    except ValueError:
        return None
    return answer.get("reference") if isinstance(answer, dict) else None


class _Advocate(_Dealt):
    # Four advocates each opening a page every quarter to three quarters of a
    # second: far faster than people read, but not a saturating loop.
    abstract = True
    wait_time = between(0.25, 0.75)

    def on_start(self) -> None:
        self.headers = {"Cookie": os.environ["BENCH_COOKIE"]}


class ReviewList(_Advocate):
    """Page one of the review list, newest first."""

    @task
    def page_one(self) -> None:
        self.client.get("/advocate/", name="list page one", headers=self.headers)


class FilteredList(_Advocate):
    """A filtered page of the review list (one force, one status, by priority, page two)."""

    @task
    def filtered(self) -> None:
        self.client.get(
            "/advocate/?force=Kent+Police&status=new&sort=priority&page=2",
            name="list filtered",
            headers=self.headers,
        )


class CaseView(_Advocate):
    """One case, chosen at random among the seeded ones."""

    def on_start(self) -> None:
        super().on_start()
        with open(os.environ["BENCH_CASES"], encoding="ascii") as cases:
            self.cases = cases.read().split()

    @task
    def case(self) -> None:
        report_id = random.choice(self.cases)  # noqa: S311 - choosing a page, not a secret
        self.client.get(f"/advocate/case/{report_id}", name="case view", headers=self.headers)


class Empty(FastHttpUser):
    """The ceiling: an empty Flask view, served by gunicorn with the portal's settings."""

    wait_time = constant(0)

    @task
    def empty(self) -> None:
        self.client.get("/", name="empty")
