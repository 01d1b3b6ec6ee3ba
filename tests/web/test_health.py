"""`/healthz` says ok or not, and nothing else: no data, no cookie, no throttle."""

from __future__ import annotations

from flask.testing import FlaskClient

from portal.store import Store, downgrade


def test_a_fresh_portal_is_healthy_and_says_only_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data() == b"ok"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_a_database_behind_the_code_is_unhealthy_in_one_word(
    client: FlaskClient, store: Store
) -> None:
    downgrade(store.engine, "-1")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_data() == b"unavailable"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_a_database_the_key_does_not_open_is_unhealthy_without_an_error_page(
    client: FlaskClient, store: Store
) -> None:
    store.engine.dispose()
    database = store.engine.url.database
    assert database
    with open(database, "r+b") as handle:  # the header and first page, scrambled
        handle.write(b"\xa5" * 4096)
    store.engine.dispose()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_data() == b"unavailable"


def test_probes_are_never_throttled_and_never_open_a_session(client: FlaskClient) -> None:
    # Far past every per-client and overall limit the portal keeps.
    statuses = {client.get("/healthz").status_code for _ in range(320)}
    assert statuses == {200}
    assert client.get_cookie("session") is None
