"""`make bench`: every budget of DESIGN.md, measured against the real app, in one run.

A temporary instance is created and seeded with 10,000 real encrypted reports
(1,000 consented for export), served by `portal serve` (gunicorn, the
portal's own settings) on loopback, and loaded by locust in headless mode.
In the same run it times what the machine can do at all (ceilings) and what
two peers spend on the same events, prints a table and writes
bench/results.json. It exits non-zero only when a budget is missed by more
than the noise band printed beside it. The temporary folder is removed at the
end, whatever happens.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from bench import ceilings, peers
from bench.budgets import Figure, band, percentile, spread, table
from bench.client import Browser, log_in, write_upload_body
from bench.paths import PATHS, SEALED, SERVER, SubmissionPath, compared
from bench.paths import side_by_side as paths_side_by_side
from bench.postgres import bin_dir
from bench.server import BIN, Hosts, MemorySampler, Seeded, Server, seed_instance
from bench.stores import (
    LABELS,
    SQLCIPHER,
    STORES,
    PostgresStores,
    parse_stores,
    scenario,
    side_by_side,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LOCUSTFILE = HERE / "locustfile.py"
RESULTS = HERE / "results.json"
README = HERE / "README.md"

REPORTS = 10_000
CONSENTED = 1_000
SURVIVORS = 16
SUBMISSION_SECONDS = 30
ADVOCATES = 4
ADVOCATE_SECONDS = 15
EMPTY_SECONDS = 10
LOGINS = 2
UPLOAD_BYTES = 100 * 1000 * 1000
UPLOADS = 2
WARM_UP_SECONDS = 2.0
WINDOWS = 3
EXPORT_TIMEOUT = 300
# A 5 KB account: plain words, as a survivor would write them.
ACCOUNT = ("It happened after the meeting at the station. " * 110)[:5000]

# What --scenarios chooses from, in the order they run; on PostgreSQL only the first three.
SCENARIOS = ("advocates", *(path.key for path in PATHS), "upload", "login", "export")

Samples = list[dict[str, Any]]
# CPU seconds the last locust run of each user class used.
LOAD_GENERATOR_CPU: dict[str, float] = {}


def parse_scenarios(text: str) -> list[str]:
    """`--scenarios submissions,sealed` (any of SCENARIOS, in the order they run)."""
    named = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in named if name not in SCENARIOS]
    if unknown or not named:
        raise argparse.ArgumentTypeError(
            f"unknown scenario {', '.join(unknown) or '(none given)'}: "
            f"choose from {', '.join(SCENARIOS)}"
        )
    return [name for name in SCENARIOS if name in named]


def say(text: str) -> None:
    """Progress goes to stderr; the table goes to stdout."""
    print(text, file=sys.stderr, flush=True)


def locust(
    work: Path,
    user_class: str,
    urls: list[str],
    users: int,
    seconds: int,
    env: dict[str, str] | None = None,
    during: Callable[[float], None] | None = None,
) -> Samples:
    """Run locust headless against `urls`; returns every timing it recorded.

    With several URLs (several hosts), the users are dealt out among them in
    turn. `during`, if given, is called with the start time once the users
    are running.
    """
    samples = work / f"samples-{user_class}-{time.monotonic_ns()}.jsonl"
    command = [
        str(BIN / "locust"),
        "--locustfile",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--host",
        urls[0],
        "--only-summary",
        "--loglevel",
        "WARNING",
        user_class,
    ]
    # This tree first on the path: the locustfile imports bench.sealed, and crypto/ from here.
    python_path = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))
    environment = (
        os.environ
        | {"BENCH_SAMPLES": str(samples), "BENCH_HOSTS": " ".join(urls), "PYTHONPATH": python_path}
        | (env or {})
    )
    with open(work / "locust.log", "ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own locust, fixed arguments
            command, env=environment, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
        )
        watchdog = threading.Timer(seconds + 60, process.kill)
        watchdog.start()
        try:
            if during is not None:
                during(time.time())
            # wait4 gives the load generator's own CPU time, to show what it took.
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            watchdog.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
    LOAD_GENERATOR_CPU[user_class] = usage.ru_utime + usage.ru_stime
    LOAD_GENERATOR_CPU["all"] = LOAD_GENERATOR_CPU.get("all", 0.0) + usage.ru_utime + usage.ru_stime
    if not samples.exists():
        raise RuntimeError(f"locust ({user_class}) wrote no samples; see {work / 'locust.log'}")
    with open(samples, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def steady(samples: Samples, name: str) -> Samples:
    """The samples of one name, without the warm-up at the start."""
    named = [s for s in samples if s["name"] == name]
    if not named:
        return []
    first = min(s["t"] - s["ms"] / 1000 for s in named)
    return [s for s in named if s["t"] - s["ms"] / 1000 >= first + WARM_UP_SECONDS]


def windows(samples: Samples) -> list[Samples]:
    """The samples cut into WINDOWS equal spans of time, by end time."""
    if not samples:
        return []
    start, end = min(s["t"] for s in samples), max(s["t"] for s in samples)
    width = (end - start) / WINDOWS or 1.0
    cut: list[Samples] = [[] for _ in range(WINDOWS)]
    for s in samples:
        cut[min(WINDOWS - 1, int((s["t"] - start) / width))].append(s)
    return cut


def rate(samples: Samples) -> float:
    """Successful samples per second over their span."""
    ok = [s for s in samples if s["ok"]]
    if len(ok) < 2:
        return math.nan
    span = max(s["t"] for s in ok) - min(s["t"] for s in ok)
    return (len(ok) - 1) / span if span > 0 else math.nan


def p(samples: Samples, fraction: float) -> float:
    """A percentile of the successful samples' milliseconds."""
    return percentile([s["ms"] for s in samples if s["ok"]], fraction)


def latency_figures(
    scenario: str, samples: Samples, name: str, budget: float | None, drift: float, note: str = ""
) -> list[Figure]:
    """p50, p95 (against the budget) and p99 of one kind of request, with their noise."""
    chosen = steady(samples, name)
    cut = windows(chosen)
    p95_noise = band(spread([p(w, 0.95) for w in cut]), drift)
    return [
        Figure(
            scenario,
            f"{name} p50",
            p(chosen, 0.50),
            "ms",
            noise=band(spread([p(w, 0.5) for w in cut]), drift),
        ),
        Figure(
            scenario,
            f"{name} p95",
            p(chosen, 0.95),
            "ms",
            budget,
            "<=" if budget else "",
            p95_noise,
            note=note,
        ),
        Figure(
            scenario,
            f"{name} p99",
            p(chosen, 0.99),
            "ms",
            noise=band(spread([p(w, 0.99) for w in cut]), drift),
        ),
    ]


class Contention:
    """The share of the machine that other work took while a scenario ran.

    Busy CPU time of the whole machine, less the server's (app hosts and
    database server), the load generator's and this process's, over the
    cores and the time: a CPU-bound figure may take up to 1/(1 - share) as
    long, so that widens the noise band.
    """

    def __init__(self, hosts: Hosts | None):
        self.hosts = hosts
        self.share = 0.0

    def _ours(self) -> float:
        own = psutil.Process().cpu_times()
        server = self.hosts.cpu_seconds() if self.hosts else 0.0
        return server + LOAD_GENERATOR_CPU.get("all", 0.0) + own.user + own.system

    def __enter__(self) -> Contention:
        self._busy = sum(psutil.cpu_times()[:3])
        self._ours_before = self._ours()
        self._started = time.monotonic()
        return self

    def __exit__(self, *_exc: object) -> None:
        busy = sum(psutil.cpu_times()[:3]) - self._busy
        others = max(0.0, busy - (self._ours() - self._ours_before))
        wall = max(time.monotonic() - self._started, 1e-6)
        self.share = min(0.9, others / (wall * (os.cpu_count() or 1)))

    @property
    def slowdown(self) -> float:
        """How much longer CPU-bound work may take with that share gone: 1/(1-share) - 1."""
        return self.share / (1 - self.share)


def machine() -> dict[str, Any]:
    """What the figures came from."""
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            model = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in cpuinfo
                    if line.startswith("model name")
                ),
                "",
            )
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "commit": commit,
    }


class Bench:
    """One run: ceilings, peers, then the scenarios on a seeded instance."""

    def __init__(
        self, work: Path, quick: bool, stores: list[str], scenarios: list[str] | None = None
    ):
        self.work = work
        self.quick = quick
        self.stores = stores
        self.scenarios = scenarios or list(SCENARIOS)
        self.figures: list[Figure] = []
        self.details: dict[str, Any] = {}
        self.drift = 0.0

    def store_details(self, store: str) -> dict[str, Any]:
        """Where a store's details go in results.json (SQLCipher's at the top, as before)."""
        return self.details if store == SQLCIPHER else self.details.setdefault(store, {})

    def contention(self, name: str, store: str, share: float) -> None:
        """Record the share of the CPU other work took while a scenario ran."""
        self.details.setdefault("contention", {})[scenario(name, store)] = share

    def seconds(self, full: int) -> int:
        """A scenario's duration (a third of it with --quick, for trying the bench out)."""
        return max(6, full // 3) if self.quick else full

    # Ceilings and peers ------------------------------------------------------

    def ceilings(self, postgres: PostgresStores | None) -> None:
        say("ceilings: AES-256-GCM, HPKE, SQLCipher" + (", PostgreSQL" if postgres else ""))
        self.details["ceilings"] = {
            "aes_gcm_mb_s": ceilings.aes_gcm_mb_per_s(),
            "hpke_seals_s": ceilings.hpke_seals_per_s(),
            "sqlcipher_inserts_s": ceilings.sqlcipher_inserts_per_s(self.work),
            "sqlcipher_blob_mb_s": ceilings.sqlcipher_blob_mb_per_s(self.work),
        }
        if postgres is not None:
            self.details["ceilings"]["postgresql_inserts_s"] = ceilings.postgresql_inserts_per_s(
                postgres.ceiling_url()
            )
            self.details["postgresql_server"] = {
                name: postgres.server.setting(name)
                for name in ("server_version", "fsync", "synchronous_commit", "shared_buffers")
            }
        say("peers: SecureDrop's new source, GlobaLeaks' login")
        self.details["peers"] = {
            "securedrop_new_source": peers.securedrop_new_source_ms(),
            "globaleaks_login_ms": peers.globaleaks_login_ms(),
            "our_argon2_ms": peers.our_argon2_ms(),
        }

    def check_drift(self) -> None:
        """How much the machine's speed moved during the run (AES-GCM, before and after)."""
        before = self.details["ceilings"]["aes_gcm_mb_s"]
        after = ceilings.aes_gcm_mb_per_s()
        self.details["ceilings"]["aes_gcm_mb_s_after"] = after
        self.drift = abs(before - after) / max(before, after)

    def empty_flask(self) -> None:
        say("ceiling: empty Flask view through gunicorn")
        server = Server(
            self.work,
            self.work / "empty.log",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "python:portal.web.gunicorn_conf",
                "--chdir",
                str(ROOT),
                "--bind",
                "127.0.0.1:{port}",
                "bench.empty_app:app",
            ],
        )
        try:
            server.wait_until_up()
            samples = locust(
                self.work, "Empty", [server.url], SURVIVORS, self.seconds(EMPTY_SECONDS)
            )
        finally:
            server.stop()
        chosen = steady(samples, "empty")
        self.details["ceilings"]["empty_flask_requests_s"] = rate(chosen)
        self.details["ceilings"]["empty_flask_p95_ms"] = p(chosen, 0.95)

    # The scenarios -----------------------------------------------------------

    def submissions(
        self, hosts: Hosts, store: str = SQLCIPHER, path: SubmissionPath = SERVER
    ) -> None:
        """Survivors' submissions by one path; the budgets are judged on SQLCipher only,
        on the path they were set for."""
        say(
            f"survivor submissions, {path.label} ({LABELS[store]}): {SURVIVORS} clients "
            f"for {self.seconds(SUBMISSION_SECONDS)} s"
        )
        app_before, database_before = hosts.app_cpu_seconds(), hosts.database_cpu_seconds()
        machine_before, wall_before = sum(psutil.cpu_times()[:3]), time.monotonic()
        with MemorySampler(hosts, interval=0.5) as memory, Contention(hosts) as contention:
            samples = locust(
                self.work,
                path.user_class,
                hosts.urls,
                SURVIVORS,
                self.seconds(SUBMISSION_SECONDS),
                {"BENCH_ACCOUNT": ACCOUNT},
            )
        app_cpu = hosts.app_cpu_seconds() - app_before
        database_cpu = hosts.database_cpu_seconds() - database_before
        cpu = app_cpu + database_cpu
        wall = time.monotonic() - wall_before
        busy = sum(psutil.cpu_times()[:3]) - machine_before  # user, nice, system: every process
        client = LOAD_GENERATOR_CPU.get(path.user_class, 0.0)
        cores = {
            "server": cpu / wall,
            "database": database_cpu / wall,
            "load_generator": client / wall,
            "everything_else": max(0.0, busy - cpu - client) / wall,
            "machine": float(os.cpu_count() or 1),
        }
        flows = steady(samples, path.visit)
        done = sum(1 for s in samples if s["name"] == path.visit and s["ok"])
        errors = sum(1 for s in samples if not s["ok"])
        per_host = [
            sum(1 for s in samples if s["name"] == path.post and s.get("host") == number)
            for number in range(len(hosts.servers))
        ]
        per_window = [rate(w) for w in windows(flows)]
        self.store_details(store)[path.details_key] = {
            "completed": done,
            "errors": errors,
            "first_error": next((s.get("error", "") for s in samples if not s["ok"]), ""),
            "requests": len(samples),
            "per_window_s": per_window,
            "server_cpu_ms_per_submission": 1000 * cpu / done if done else math.nan,
            "database_cpu_ms_per_submission": 1000 * database_cpu / done if done else math.nan,
            "load_generator_cpu_ms_per_submission": 1000 * client / done if done else math.nan,
            "cores_used": cores,
            "flow_p95_ms": p(flows, 0.95),
            "posts_per_host": per_host if len(per_host) > 1 else [],
            "database_peak_pss_mb": memory.peak_database_mb,
        }
        sealing = [s["ms"] for s in steady(samples, "sealing") if s["ok"]]
        if path is SEALED:
            self.store_details(store)[path.details_key]["client_cpu_ms_per_envelope_set"] = {
                "median": statistics.median(sealing) if sealing else math.nan,
                "p95": percentile(sealing, 0.95),
                "count": len(sealing),
            }
        self.contention(path.details_key, store, contention.share)
        drift = max(self.drift, contention.slowdown)
        self.submission_figures(store, samples, flows, cores, memory, drift, path)

    def submission_figures(
        self,
        store: str,
        samples: Samples,
        flows: Samples,
        cores: dict[str, float],
        memory: MemorySampler,
        drift: float,
        path: SubmissionPath = SERVER,
    ) -> None:
        """The submissions' figures, against the budgets on SQLCipher by the path they were
        set for, as information elsewhere."""
        details = self.store_details(store)[path.details_key]
        on_sqlcipher = store == SQLCIPHER
        judged = on_sqlcipher and path.judged
        name = scenario(path.scenario, store)
        throughput = rate(flows)
        cpu_ms = details["server_cpu_ms_per_submission"]
        database_ms = details["database_cpu_ms_per_submission"]
        empty = self.details["ceilings"]["empty_flask_requests_s"]
        inserts = self.details["ceilings"][
            "sqlcipher_inserts_s" if on_sqlcipher else "postgresql_inserts_s"
        ]
        relative = [f"{2 * throughput / empty:.0%} of empty-Flask request rate"] if empty else []
        database = "SQLCipher" if on_sqlcipher else "PostgreSQL"
        relative.append(f"{throughput / inserts:.0%} of raw {database} committed inserts")
        securedrop = self.details["peers"]["securedrop_new_source"]["total_ms"]
        self.figures += [
            Figure(
                name,
                "throughput",
                throughput,
                "/s",
                200 if judged else None,
                ">=" if judged else "",
                band(spread(details["per_window_s"]), drift),
                ceiling=", ".join(relative),
                note=f"POSTs per host: {', '.join(map(str, details['posts_per_host']))}"
                if details["posts_per_host"]
                else "",
            ),
            *latency_figures(name, samples, path.post, 100 if judged else None, drift),
            Figure(
                name,
                "GET + POST p95",
                p(flows, 0.95),
                "ms",
                noise=band(spread([p(w, 0.95) for w in windows(flows)]), drift),
                note="the whole visit: form, "
                + ("sealing in the client, " if path is SEALED else "")
                + "then report",
            ),
            # A failed request is a fault on any store, so errors are judged on every one.
            Figure(name, "errors", details["errors"], "", 0, "<=", 0.0),
            Figure(
                name,
                "cores used by the server",
                cores["server"],
                f"of {cores['machine']:.0f}",
                noise=band(drift),
                note=(f"PostgreSQL {cores['database']:.2f} of them; " if not on_sqlcipher else "")
                + f"load generator {cores['load_generator']:.2f}, "
                f"everything else on the machine {cores['everything_else']:.2f}",
            ),
            Figure(
                name,
                "server CPU per submission",
                cpu_ms,
                "ms",
                noise=band(drift),
                peer=f"SecureDrop new source {securedrop:.0f} ms = {securedrop / cpu_ms:.1f}x ours"
                if cpu_ms
                else "",
                note="" if on_sqlcipher else f"PostgreSQL {database_ms:.2f} ms of it",
            ),
            Figure(
                name,
                "server memory (PSS, all processes)",
                memory.peak_total_mb,
                "MB",
                200 if judged else None,
                "<=" if judged else "",
                band(drift),
                note="" if on_sqlcipher else "the app hosts' processes; PostgreSQL's below",
            ),
        ]
        if path is SEALED:
            self.figures.append(self.client_cpu_figure(name, details, drift))
        if not on_sqlcipher:
            self.figures.append(
                Figure(
                    name,
                    "PostgreSQL memory (PSS)",
                    memory.peak_database_mb,
                    "MB",
                    noise=band(drift),
                    note="the database server's processes, its shared buffers counted once",
                )
            )

    def client_cpu_figure(self, name: str, details: dict[str, Any], drift: float) -> Figure:
        """The load client's own CPU time sealing one report: the browser's work, not the
        server's, shown so the server's figures can be read apart from it."""
        sealing = details["client_cpu_ms_per_envelope_set"]
        return Figure(
            name,
            "client CPU per envelope set",
            sealing["median"],
            "ms",
            noise=band(drift),
            note=f"median in the load client (p95 {sealing['p95']:.2f} ms); "
            f"its whole CPU per submission {details['load_generator_cpu_ms_per_submission']:.2f}"
            " ms",
        )

    def sign_in(self, server: Server, seeded: Seeded) -> str:
        """Sign the advocate in; returns the session cookie for the advocates' scenarios."""
        browser = Browser(server.port)
        log_in(
            browser, seeded.advocate.name, seeded.advocate.passphrase, seeded.advocate.next_code()
        )
        return browser.cookie_header()

    def advocates(self, hosts: Hosts, seeded: Seeded, cookie: str, store: str = SQLCIPHER) -> None:
        """The advocates' pages; one session cookie serves on every host of a store."""
        cases = self.work / "cases.txt"
        cases.write_text("\n".join(seeded.report_ids), encoding="ascii")
        env = {"BENCH_COOKIE": cookie, "BENCH_CASES": str(cases)}
        seconds = self.seconds(ADVOCATE_SECONDS)
        for user_class, name, budget in (
            ("ReviewList", "list page one", 150),
            ("FilteredList", "list filtered", 150),
            ("CaseView", "case view", 50),
        ):
            say(f"advocates ({LABELS[store]}): {name}, {ADVOCATES} advocates for {seconds} s")
            with Contention(hosts) as contention:
                samples = locust(self.work, user_class, hosts.urls, ADVOCATES, seconds, env)
            self.contention(name, store, contention.share)
            errors = sum(1 for s in samples if not s["ok"])
            first = next((s.get("error", "") for s in samples if not s["ok"]), "")
            self.store_details(store)[name] = {
                "requests": len(samples),
                "errors": errors,
                "first_error": first,
            }
            noise = max(self.drift, contention.slowdown)
            judged = budget if store == SQLCIPHER else None
            figures = latency_figures(scenario("advocate", store), samples, name, judged, noise)
            if errors:
                figures[1].note = f"{errors} error(s)"
                figures[1].value = math.nan
            self.figures += figures

    def upload(self, hosts: Hosts) -> None:
        say(f"upload: {UPLOADS} x {UPLOAD_BYTES // 10**6} MB")
        server = hosts.servers[0]
        body_path = self.work / "upload.body"
        rates, growths, peaks = [], [], []
        contention = Contention(hosts).__enter__()
        for _ in range(UPLOADS):
            browser = Browser(server.port)
            content_type, length = write_upload_body(
                body_path, browser.report_tokens(), UPLOAD_BYTES
            )
            with MemorySampler(hosts, interval=0.05) as memory, open(body_path, "rb") as body:
                status, _, seconds = browser.request(
                    "POST",
                    "/report",
                    body=body,
                    headers={"Content-Type": content_type, "Content-Length": str(length)},
                    timeout=300,
                )
            if status != 303:  # stored, and sent on to the codename page
                raise RuntimeError(f"the upload was refused (status {status})")
            rates.append(UPLOAD_BYTES / 10**6 / seconds)
            growths.append(memory.peak_growth_mb)
            peaks.append(memory.peak_worker_mb)
        body_path.unlink()
        contention.__exit__()
        noise = max(self.drift, contention.slowdown)
        self.details.setdefault("contention", {})["upload"] = contention.share
        aes = self.details["ceilings"]["aes_gcm_mb_s"]
        blobs = self.details["ceilings"]["sqlcipher_blob_mb_s"]
        self.details["upload"] = {"mb_s": rates, "growth_mb": growths, "peak_worker_rss_mb": peaks}
        mb_s = statistics.median(rates)
        self.figures += [
            Figure(
                "upload",
                "100 MB upload",
                mb_s,
                "MB/s",
                100,
                ">=",
                band(spread(rates), noise),
                ceiling=f"{mb_s / blobs:.0%} of raw SQLCipher blob writes, "
                f"{mb_s / aes:.1%} of raw AES-GCM",
            ),
            Figure(
                "upload",
                "peak memory growth",
                max(growths),
                "MB",
                64,
                "<=",
                band(spread(growths), noise),
            ),
            Figure("upload", "peak worker RSS", max(peaks), "MB", noise=band(noise)),
        ]

    def login(self, server: Server, seeded: Seeded) -> None:
        seconds = self.seconds(20)
        say(f"login: {LOGINS} sign-ins at the real Argon2id cost while {SURVIVORS} clients submit")
        logins: list[tuple[float, float]] = []

        def sign_in_during(started: float) -> None:
            for number in range(LOGINS):
                time.sleep(max(0.0, started + (number + 1) * seconds / (LOGINS + 1) - time.time()))
                browser = Browser(server.port)
                code = seeded.advocate.next_code()
                begun = time.time()
                took = log_in(browser, seeded.advocate.name, seeded.advocate.passphrase, code)
                logins.append((begun, took))

        samples = locust(
            self.work,
            "Survivor",
            [server.url],
            SURVIVORS,
            seconds,
            {"BENCH_ACCOUNT": ACCOUNT},
            during=sign_in_during,
        )
        posts = [s for s in samples if s["name"] == "POST /report" and s["ok"]]

        def overlaps(s: dict[str, Any], begun: float, took: float) -> bool:
            return s["t"] - s["ms"] / 1000 < begun + took and s["t"] > begun

        during = [s for s in posts if any(overlaps(s, b, t) for b, t in logins)]
        served = [s for s in during if any(b < s["t"] < b + t for b, t in logins)]
        login_ms = statistics.median(1000 * t for _, t in logins)
        ours = self.details["peers"]["our_argon2_ms"]
        globaleaks = self.details["peers"]["globaleaks_login_ms"]
        self.details["login"] = {
            "login_ms": [1000 * t for _, t in logins],
            "posts_overlapping": len(during),
            "posts_completed_during": len(served),
        }
        self.figures += [
            Figure(
                "login",
                "sign-in latency",
                login_ms,
                "ms",
                noise=band(self.drift),
                ceiling=f"Argon2id alone {ours:.0f} ms",
                peer=f"GlobaLeaks Argon2id {globaleaks:.0f} ms = {globaleaks / ours:.1f}x ours",
            ),
            Figure(
                "login",
                "submissions finished during sign-in",
                len(served),
                "",
                1,
                ">=",
                0.0,
                note="other requests keep being served",
            ),
            Figure(
                "login",
                "POST /report p95 during sign-in",
                p(during, 0.95),
                "ms",
                noise=band(self.drift),
                note="requests overlapping a sign-in",
            ),
        ]

    def export(self, seeded: Seeded) -> None:
        say(f"export: {CONSENTED} consented cases with `portal export`")
        out = self.work / "export.zip"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
        env["PORTAL_INSTANCE"] = str(seeded.path)
        started = time.perf_counter()
        with open(self.work / "export.log", "wb") as log:
            process = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
                [
                    str(BIN / "portal"),
                    "export",
                    "--all-consented",
                    "--purpose",
                    "legal",
                    "--out",
                    str(out),
                    "--user",
                    seeded.staff.name,
                    "--passphrase-stdin",
                ],
                env=env,
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            assert process.stdin is not None
            process.stdin.write(
                f"{seeded.staff.passphrase}\nbench export zip passphrase\n".encode()
            )
            process.stdin.close()
            watchdog = threading.Timer(EXPORT_TIMEOUT, process.kill)
            watchdog.start()
            try:
                # ru_maxrss of the finished child is its peak resident set, in KiB on Linux.
                _, status, usage = os.wait4(process.pid, 0)
            finally:
                watchdog.cancel()
            process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        peak_mb = usage.ru_maxrss / 1024
        ok = process.returncode == 0 and out.exists()
        if not ok:
            say((self.work / "export.log").read_text(errors="replace")[-2000:])
        size_mb = out.stat().st_size / 10**6 if out.exists() else 0
        self.details["export"] = {
            "seconds": seconds,
            "peak_rss_mb": peak_mb,
            "zip_mb": size_mb,
            "ok": ok,
        }
        self.figures += [
            Figure(
                "export",
                f"{CONSENTED} consented cases",
                seconds if ok else math.nan,
                "s",
                60,
                "<=",
                band(self.drift),
            ),
            Figure(
                "export",
                "peak memory (RSS)",
                peak_mb,
                "MB",
                noise=band(self.drift),
                note="bounded: independent of case count",
            ),
        ]

    def ceilings_figures(self) -> None:
        c, peer = self.details["ceilings"], self.details["peers"]
        sd = peer["securedrop_new_source"]
        self.figures = [
            Figure("ceiling", "AES-256-GCM", c["aes_gcm_mb_s"], "MB/s", noise=band(self.drift)),
            Figure(
                "ceiling",
                "HPKE seals (ML-KEM-768+X25519)",
                c["hpke_seals_s"],
                "/s",
                noise=band(self.drift),
            ),
            Figure(
                "ceiling",
                "SQLCipher committed inserts",
                c["sqlcipher_inserts_s"],
                "/s",
                noise=band(self.drift),
            ),
            *(
                [
                    Figure(
                        "ceiling",
                        "PostgreSQL committed inserts",
                        c["postgresql_inserts_s"],
                        "/s",
                        noise=band(self.drift),
                        note="psycopg over loopback TCP; fsync and synchronous_commit on",
                    )
                ]
                if "postgresql_inserts_s" in c
                else []
            ),
            Figure(
                "ceiling",
                "SQLCipher 64 KiB blobs, 1 MiB a commit",
                c["sqlcipher_blob_mb_s"],
                "MB/s",
                noise=band(self.drift),
            ),
            Figure(
                "ceiling",
                "empty Flask via gunicorn",
                c["empty_flask_requests_s"],
                "req/s",
                noise=band(self.drift),
            ),
            Figure(
                "peer",
                "SecureDrop new source (2 scrypt + RSA-4096)",
                sd["total_ms"],
                "ms",
                noise=band(self.drift),
            ),
            Figure(
                "peer",
                "GlobaLeaks login (Argon2id 128 MiB, t=16)",
                peer["globaleaks_login_ms"],
                "ms",
                noise=band(self.drift),
            ),
            Figure(
                "peer",
                "ours: Argon2id 64 MiB, t=3, p=4",
                peer["our_argon2_ms"],
                "ms",
                noise=band(self.drift),
            ),
            *self.figures,
        ]

    def on_sqlcipher(self) -> None:
        """Every scenario on SQLCipher and one host: the run the budgets are judged on."""
        say(f"seeding {REPORTS:,} encrypted reports ({CONSENTED:,} consented for export)")
        seeded = seed_instance(self.work / "instance", "http://127.0.0.1:5000", REPORTS, CONSENTED)
        self.details["seeding_seconds"] = seeded.seconds
        hosts = Hosts([Server(seeded.path, self.work / "server.log")])
        try:
            hosts.wait_until_up("/report")
            # The advocates' pages first, on the 10,000 seeded and indexed reports:
            # after the surge below, the first page loads would be indexing it.
            self.advocates_and_submissions(hosts, seeded)
            if "upload" in self.scenarios:
                self.upload(hosts)
            if "login" in self.scenarios:
                self.login(hosts.servers[0], seeded)
        finally:
            hosts.stop()
        if "export" in self.scenarios:
            self.export(seeded)

    def advocates_and_submissions(
        self, hosts: Hosts, seeded: Seeded, store: str = SQLCIPHER
    ) -> None:
        """The advocates' pages, then the submissions by each path, as --scenarios asks."""
        if "advocates" in self.scenarios:
            cookie = self.sign_in(hosts.servers[0], seeded)
            self.advocates(hosts, seeded, cookie, store)
        for path in PATHS:
            if path.key in self.scenarios:
                self.submissions(hosts, store, path)

    def on_postgresql(self, postgres: PostgresStores, store: str) -> None:
        """The advocates' pages and the submissions on PostgreSQL, on one host or two.

        The advocate signs in on the first host; her cookie serves on both.
        """
        if postgres.seeded is None:
            say(f"seeding {REPORTS:,} encrypted reports in PostgreSQL")
            self.details["seeding_seconds_postgresql"] = postgres.seed(REPORTS, CONSENTED).seconds
        say(f"starting {LABELS[store]}")
        hosts, seeded = postgres.hosts(store)
        try:
            hosts.wait_until_up("/report")
            self.advocates_and_submissions(hosts, seeded, store)
        finally:
            hosts.stop()

    def run(self) -> int:
        started = time.perf_counter()
        info = machine()
        postgres = PostgresStores(self.work) if set(self.stores) - {SQLCIPHER} else None
        try:
            if postgres is not None:
                say("starting PostgreSQL (fsync and synchronous commit on)")
                postgres.start()
            self.ceilings(postgres)
            self.empty_flask()
            for store in self.stores:
                if store == SQLCIPHER:
                    self.on_sqlcipher()
                else:
                    assert postgres is not None
                    self.on_postgresql(postgres, store)
        finally:
            if postgres is not None:
                postgres.stop()
        self.check_drift()
        for figure in self.figures:
            if figure.noise > 0:  # counts that must hold exactly have no band
                figure.noise = max(figure.noise, self.drift)
        self.ceilings_figures()
        elapsed = time.perf_counter() - started
        info["seconds"] = round(elapsed)
        info["drift"] = round(self.drift, 3)
        info["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        output = table(self.figures)
        print(output)
        if self.stores != [SQLCIPHER]:
            output += (
                "\n\nSide by side (budgets are judged on SQLCipher only; two hosts share "
                "this machine's 2 cores, so they show the path and its cost, not scale):\n\n"
                + side_by_side(self.figures, self.stores)
            )
            print(output[output.index("\n\nSide by side") :])
        by_path = paths_side_by_side(self.figures, self.stores)
        if by_path:
            part = (
                "\n\nHow the report was sealed, side by side (the budgets were set for the "
                "server's path; the client's CPU is the load generator's, a browser's work):\n\n"
                + by_path
            )
            output += part
            print(part)
        failed = [f for f in self.figures if f.verdict == "FAIL"]
        summary = (
            f"{len(failed)} budget(s) missed beyond noise: "
            + ", ".join(f"{f.scenario} {f.name}" for f in failed)
            if failed
            else "every budget met or within its noise band"
        )
        taken = ", ".join(
            f"{name} {share:.0%}" for name, share in self.details.get("contention", {}).items()
        )
        summary += f". Share of the CPU other work took: {taken}"
        print(f"\n{summary}. {elapsed:.0f} s; machine drift {self.drift:.0%}.")
        results = {
            "when": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": info,
            "quick": self.quick,
            "stores": self.stores,
            "scenarios": self.scenarios,
            "figures": [f.as_dict() for f in self.figures],
            "submission_paths": compared(self.figures, self.stores),
            "details": self.details,
        }
        RESULTS.write_text(json.dumps(results, indent=2, default=float) + "\n", encoding="utf-8")
        update_readme(results, output, summary)
        return 1 if failed else 0


def update_readme(results: dict[str, Any], output: str, summary: str) -> None:
    """Replace the latest figures in bench/README.md (between its two markers)."""
    if not README.exists():
        return
    text = README.read_text(encoding="utf-8")
    m = results["machine"]
    block = (
        "<!-- latest figures: written by `make bench` -->\n"
        f"Run of {results['when']} at commit {m['commit']}"
        f"{' (--quick)' if results['quick'] else ''}, stores {', '.join(results['stores'])}, "
        + (
            f"scenarios {', '.join(results['scenarios'])}, "
            if results["scenarios"] != list(SCENARIOS)
            else ""
        )
        + f"on {m['cores']} cores of {m['cpu']}, "
        f"{m['memory_gb']} GB, {m['system']}, Python {m['python']}; load average "
        f"{m['load_average_before'][0]} before, {m['load_average_after'][0]} after; "
        f"{m['seconds']} s in all.\n\n{output}\n\n{summary}.\n"
        "<!-- end of latest figures -->"
    )
    pattern = re.compile(r"<!-- latest figures.*?<!-- end of latest figures -->", re.S)
    if pattern.search(text):
        README.write_text(pattern.sub(lambda _m: block, text), encoding="utf-8")


def main() -> int:
    """Run the bench in a temporary folder that is removed afterwards."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter scenarios, to try it out")
    parser.add_argument(
        "--stores",
        type=parse_stores,
        default=list(STORES),
        help=f"which runs, comma-separated (default: all of {','.join(STORES)}); "
        "the budgets are judged on sqlcipher",
    )
    parser.add_argument(
        "--scenarios",
        type=parse_scenarios,
        default=list(SCENARIOS),
        help=f"which scenarios, comma-separated (default: all of {','.join(SCENARIOS)}); "
        "the ceilings and peers are always timed",
    )
    args = parser.parse_args()
    if set(args.stores) - {SQLCIPHER} and bin_dir() is None:
        parser.error(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): install "
            "Debian's postgresql package, or run with --stores sqlcipher"
        )
    work = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    try:
        return Bench(work, args.quick, args.stores, args.scenarios).run()
    finally:
        shutil.rmtree(work, ignore_errors=True)
