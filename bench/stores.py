"""The stores the scenarios run on: SQLCipher on one host, PostgreSQL on one host and on two.

The PostgreSQL runs share one private server started by the bench (bench/postgres.py).
The instance is seeded once into a database that is then only a template: each
run gets its own copy, so both start from the same 10,000 indexed reports
whatever the run before them added. Two hosts are two `portal serve`
processes on two ports, each with its own copy of the instance folder (the
same secrets, as docs/deploy.md asks of every host) and the one database.
"""

from __future__ import annotations

import argparse
import shutil
from dataclasses import replace
from pathlib import Path

from bench.budgets import Figure, value_shown
from bench.postgres import PostgresServer, bin_dir
from bench.server import Hosts, Seeded, Server, free_port, seed_instance

SQLCIPHER, POSTGRESQL, TWO_HOSTS = "sqlcipher", "postgresql", "two-hosts"
STORES = (SQLCIPHER, POSTGRESQL, TWO_HOSTS)
LABELS = {
    SQLCIPHER: "SQLCipher, one host",
    POSTGRESQL: "PostgreSQL, one host",
    TWO_HOSTS: "PostgreSQL, two hosts",
}
# What a figure's scenario is called on each store: the SQLCipher run keeps its plain names.
SUFFIXES = {SQLCIPHER: "", POSTGRESQL: ", PostgreSQL", TWO_HOSTS: ", 2 hosts"}
HOST_COUNT = {POSTGRESQL: 1, TWO_HOSTS: 2}
_TEMPLATE = "portal_seeded"


def parse_stores(text: str) -> list[str]:
    """`--stores sqlcipher,postgresql,two-hosts` (any of them, in the order they run)."""
    named = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in named if name not in STORES]
    if unknown or not named:
        raise argparse.ArgumentTypeError(
            f"unknown store {', '.join(unknown) or '(none given)'}: choose from {', '.join(STORES)}"
        )
    return [store for store in STORES if store in named]


def scenario(name: str, store: str) -> str:
    """A scenario's name in the table, marked with the store it ran on."""
    return name + SUFFIXES[store]


class PostgresStores:
    """The bench's PostgreSQL server, its seeded template and the hosts over each copy."""

    def __init__(self, work: Path):
        programs = bin_dir()
        if programs is None:
            raise RuntimeError(
                "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
                "install the postgresql package, or run with --stores sqlcipher"
            )
        self.work = work
        self.server = PostgresServer(programs, free_port())
        self.seeded: Seeded | None = None

    def start(self) -> None:
        """Start the server (fsync and synchronous commit on)."""
        self.server.start()

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        self.server.stop()

    def ceiling_url(self) -> str:
        """A database for the raw committed-insert ceiling."""
        self.server.create_database("portal_ceiling")
        return self.server.url("portal_ceiling")

    def seed(self, reports: int, consented: int) -> Seeded:
        """The seeded instance (seeded on first use); its database is the template of each run."""
        if self.seeded is None:
            self.server.create_database(_TEMPLATE)
            self.seeded = seed_instance(
                self.work / "postgresql-instance",
                "http://127.0.0.1:5000",
                reports,
                consented,
                self.server.url(_TEMPLATE),
            )
        return self.seeded

    def hosts(self, store: str) -> tuple[Hosts, Seeded]:
        """Start the hosts of `store` over a fresh copy of the seeded database.

        Returns them with the seeded instance as that copy holds it: its
        advocate has used no TOTP step yet.
        """
        assert self.seeded is not None
        database = f"portal_{store.replace('-', '_')}"
        self.server.create_database(database, template=_TEMPLATE)
        url = self.server.url(database, "postgresql+psycopg")
        servers = []
        for number in range(1, HOST_COUNT[store] + 1):
            folder = self.work / f"{store}-host-{number}"
            shutil.copytree(self.seeded.path, folder)
            servers.append(Server(folder, self.work / f"{store}-host-{number}.log", None, url))
        seeded = replace(self.seeded, advocate=replace(self.seeded.advocate, last_step=0))
        return Hosts(servers, self.server), seeded


# The figures shown side by side: (scenario, figure name) and how to label the row.
_SIDE_BY_SIDE = (
    ("submission", "throughput", "submissions"),
    ("submission", "POST /report p95", "POST /report p95"),
    ("submission", "errors", "submission errors"),
    ("submission", "server CPU per submission", "server CPU per submission (app + database)"),
    ("submission", "cores used by the server", "cores used by the server (app + database)"),
    ("submission", "server memory (PSS, all processes)", "app hosts' memory (PSS)"),
    ("submission", "PostgreSQL memory (PSS)", "PostgreSQL server's memory (PSS)"),
    ("advocate", "list page one p95", "list page one p95"),
    ("advocate", "list filtered p95", "list filtered p95"),
    ("advocate", "case view p95", "case view p95"),
)


def side_by_side(figures: list[Figure], stores: list[str]) -> str:
    """The figures measured on every store, a column each, with each store's insert ceiling."""
    found = {(f.scenario, f.name): f for f in figures}
    ceiling_names = {
        SQLCIPHER: "SQLCipher committed inserts",
        POSTGRESQL: "PostgreSQL committed inserts",
        TWO_HOSTS: "PostgreSQL committed inserts",
    }
    header = ("figure", *(LABELS[store] for store in stores))
    rows = [header]
    ceiling = [found.get(("ceiling", ceiling_names[store])) for store in stores]
    rows.append(("ceiling: raw committed inserts", *(_shown(f) for f in ceiling)))
    for scenario_name, name, label in _SIDE_BY_SIDE:
        cells = [found.get((scenario(scenario_name, store), name)) for store in stores]
        if any(cell is not None for cell in cells):
            rows.append((label, *(_shown(cell) for cell in cells)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _shown(figure: Figure | None) -> str:
    return "-" if figure is None else value_shown(figure)
