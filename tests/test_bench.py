"""`make bench` on PostgreSQL: its own server commits durably, and the instance seeds on it.

The bench itself is not part of `make test` (it takes minutes); this checks
in seconds the parts its PostgreSQL figures stand on.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import psycopg
import pytest

from bench import ceilings
from bench.postgres import bin_dir
from bench.server import Hosts
from bench.stores import PostgresStores, parse_stores


@pytest.mark.skipif(bin_dir() is None, reason="PostgreSQL is not installed")
def test_bench_postgresql_commits_durably_and_holds_the_seeded_reports(tmp_path: Path) -> None:
    stores = PostgresStores(tmp_path)
    stores.start()
    try:
        server = stores.server
        # The tests' server turns these off; figures measured so would flatter PostgreSQL.
        assert [server.setting(name) for name in ("fsync", "synchronous_commit")] == ["on", "on"]
        assert server.setting("full_page_writes") == "on"
        assert ceilings.postgresql_inserts_per_s(stores.ceiling_url(), seconds=0.2) > 0
        database = Hosts([], server)
        before = database.database_cpu_seconds()
        seeded = stores.seed(3, 1)
        # The database server's work is counted as the server's, not as other load.
        assert database.database_cpu_seconds() > before
        with psycopg.connect(server.url("portal_seeded")) as connection:
            stored = {row[0] for row in connection.execute("SELECT id FROM reports")}
        assert stored == set(seeded.report_ids)
        assert len(seeded.consented_ids) == 1
    finally:
        stores.stop()
    assert not stores.server.root.exists()


@pytest.mark.parametrize(
    ("given", "runs"),
    [
        ("two-hosts,sqlcipher", ["sqlcipher", "two-hosts"]),
        ("postgresql", ["postgresql"]),
        (" sqlcipher , postgresql ", ["sqlcipher", "postgresql"]),
    ],
)
def test_bench_runs_the_stores_asked_for_in_a_fixed_order(given: str, runs: list[str]) -> None:
    assert parse_stores(given) == runs


@pytest.mark.parametrize("given", ["", ",", "mysql", "sqlcipher,two_hosts"])
def test_bench_refuses_a_store_it_does_not_know(given: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="choose from"):
        parse_stores(given)
