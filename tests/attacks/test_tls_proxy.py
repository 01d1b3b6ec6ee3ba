"""The deployment guide's own nginx configuration, with TLS, in front of `portal serve`.

The test renders `docs/deploy/nginx.conf` with only its ports and certificate
paths changed (a throwaway self-signed certificate made here), starts Debian's
nginx on it and the portal behind it, as the guide sets them up
(`trusted_proxies = 1`, an HTTPS `public_url`, an onion address). Chromium
checks what a browser keeps: `__Host-` cookies with Secure, HSTS, the onion
offered. Chromium cannot connect from a chosen source address, so the
per-client limit is checked with requests over the same TLS, from two
TEST-NET-2 addresses (as in test_proxy.py).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from playwright.sync_api import Browser

from tests.attacks.test_proxy import (
    CLIENT_LIMIT,
    GUESSER,
    NEIGHBOUR,
    NGINX,
    TOKEN,
    WRONG,
    _From,
    _guess,
    _ip,
)
from tests.support.serving import BIN, free_port, init_instance, portal_environment, wait_until_up

GUIDE_CONF = Path(__file__).resolve().parents[2] / "docs" / "deploy" / "nginx.conf"
ONION = "http://duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion"

# What nginx needs to run as a test, around the site file the guide installs.
MAIN_CONF = """
daemon off;
master_process off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/portal.conf;
}}
"""


@dataclass(frozen=True)
class Served:
    """Where the rendered guide's nginx listens, and the certificate it shows."""

    https: str
    plain: str
    onion: str
    certificate: Path


def _self_signed(folder: Path) -> Path:
    """A throwaway certificate for 127.0.0.1, as fullchain.pem and privkey.pem."""
    folder.mkdir()
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    (folder / "fullchain.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder / "fullchain.pem"


def render_guide_conf(ports: dict[int, int], upstream: int, certificates: Path) -> str:
    """The guide's nginx.conf with its ports and certificate folder replaced, nothing else.

    `ports` maps each port the guide listens on (80, 443, 8080) to the test's.
    Every replaced string must be in the file, so the guide cannot drift
    away from what is tested here without this failing.
    """
    replacements = {
        "/etc/letsencrypt/live/portal.example.org": str(certificates),
        "listen [::]:80;": "",
        "listen [::]:443 ssl;": "",
        "listen 80;": f"listen 127.0.0.1:{ports[80]};",
        "listen 443 ssl;": f"listen 127.0.0.1:{ports[443]} ssl;",
        "listen 127.0.0.1:8080;": f"listen 127.0.0.1:{ports[8080]};",
        "proxy_pass http://127.0.0.1:5000;": f"proxy_pass http://127.0.0.1:{upstream};",
    }
    text = GUIDE_CONF.read_text()
    for old, new in replacements.items():
        assert old in text, f"docs/deploy/nginx.conf no longer has {old!r}"
        text = text.replace(old, new)
    return text


def _stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def _serve(tmp_path: Path, trusted: int) -> Iterator[Served]:
    upstream = free_port()
    ports = {80: free_port(), 443: free_port(), 8080: free_port()}
    instance = tmp_path / "instance"
    # One worker: the question is whose address is counted, not how workers share counts.
    env = portal_environment(instance, upstream) | {"GUNICORN_CMD_ARGS": "--workers 1"}
    init_instance(env, "--public-url", f"https://127.0.0.1:{ports[443]}")
    settings = instance / "portal.toml"
    settings.write_text(
        f'onion_url = "{ONION}/"\n'
        + settings.read_text().replace("trusted_proxies = 0", f"trusted_proxies = {trusted}")
    )
    proxy_dir = tmp_path / "nginx"
    proxy_dir.mkdir()
    certificate = _self_signed(tmp_path / "tls")
    (proxy_dir / "portal.conf").write_text(render_guide_conf(ports, upstream, certificate.parent))
    (proxy_dir / "nginx.conf").write_text(MAIN_CONF.format(dir=proxy_dir))
    with (tmp_path / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [BIN / "portal", "serve", "--port", str(upstream)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        nginx = subprocess.Popen(
            [NGINX, "-c", str(proxy_dir / "nginx.conf"), "-p", str(proxy_dir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_up(f"http://127.0.0.1:{upstream}/", 60, server)
        wait_until_up(f"http://127.0.0.1:{ports[8080]}/", 30, nginx)
        yield Served(
            https=f"https://127.0.0.1:{ports[443]}",
            plain=f"http://127.0.0.1:{ports[80]}",
            onion=f"http://127.0.0.1:{ports[8080]}",
            certificate=certificate,
        )
    finally:
        for process in (nginx, server):
            _stop(process)


@pytest.fixture(autouse=True)
def _client_addresses() -> Iterator[None]:
    """Give the two clients their own addresses on the loopback interface."""
    for address in (GUESSER, NEIGHBOUR):
        _ip("replace", f"{address}/32", "dev", "lo")
    yield
    for address in (GUESSER, NEIGHBOUR):
        _ip("del", f"{address}/32", "dev", "lo", check=False)


@pytest.fixture
def trusted(tmp_path: Path) -> Iterator[Served]:
    """The portal behind the guide's nginx, told of that one proxy, as the guide says."""
    yield from _serve(tmp_path, trusted=1)


@pytest.fixture
def untrusted(tmp_path: Path) -> Iterator[Served]:
    """The same, with trusted_proxies left at 0."""
    yield from _serve(tmp_path, trusted=0)


def _client(address: str, served: Served) -> requests.Session:
    """A client connecting from `address`, trusting the test's certificate only."""
    session = requests.Session()
    session.mount("https://", _From(address))
    session.mount("http://", _From(address))
    session.verify = str(served.certificate)
    session.trust_env = False  # or REQUESTS_CA_BUNDLE would win over `verify`
    return session


@pytest.mark.slow
@pytest.mark.browser
def test_chromium_over_the_guides_tls_gets_host_cookies_hsts_and_the_onion(
    trusted: Served, browser: Browser
) -> None:
    context = browser.new_context(ignore_https_errors=True)
    try:
        page = context.new_page()
        response = page.goto(trusted.https + "/return?from=test")
        assert response is not None and response.status == 200
        headers = response.headers
        cookies = context.cookies()
        # The form's CSRF token needs Flask's session cookie: one is always set here.
        assert cookies
        assert "codename" in page.content()
    finally:
        context.close()
    for cookie in cookies:
        assert cookie["name"].startswith("__Host-"), cookie
        assert cookie["secure"] and cookie["httpOnly"], cookie
        assert cookie["sameSite"] == "Strict" and cookie["path"] == "/", cookie
        assert cookie["domain"] == "127.0.0.1", cookie  # host-only, as __Host- requires
    assert headers["strict-transport-security"].startswith("max-age=")
    assert headers["onion-location"] == f"{ONION}/return?from=test"


@pytest.mark.slow
def test_plain_http_is_sent_to_https_and_the_onion_port_does_not_offer_itself(
    trusted: Served,
) -> None:
    plain = requests.get(trusted.plain + "/return", allow_redirects=False, timeout=30)
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://127.0.0.1")
    assert plain.headers["Location"].endswith("/return")
    onion_host = {"Host": ONION.removeprefix("http://")}
    onion = requests.get(trusted.onion + "/", headers=onion_host, timeout=30)
    assert onion.status_code == 200
    assert "Onion-Location" not in onion.headers


@pytest.mark.slow
def test_over_the_guides_tls_one_guesser_is_refused_and_the_neighbour_is_not(
    trusted: Served,
) -> None:
    guesser, neighbour = _client(GUESSER, trusted), _client(NEIGHBOUR, trusted)
    # Writing X-Forwarded-For itself does not make the guesser someone new.
    statuses = [
        _guess(guesser, trusted.https, forged=f"10.0.0.{n}") for n in range(CLIENT_LIMIT + 1)
    ]
    assert statuses[:CLIENT_LIMIT] == [200] * CLIENT_LIMIT
    assert statuses[CLIENT_LIMIT] == 429
    assert _guess(neighbour, trusted.https) == 200


def _guess_over_tor(onion: str, forged: str) -> int:
    """A wrong codename from Tor: from loopback, to the onion port, with the onion's Host.

    Tor Browser sends Secure cookies to an onion address over plain HTTP;
    requests would not, so the cookies are carried back by hand.
    """
    host = {"Host": ONION.removeprefix("http://")}
    page = requests.get(onion + "/return", headers=host, timeout=30)
    token = TOKEN.search(page.text)
    assert token
    cookies = "; ".join(f"{name}={value}" for name, value in page.cookies.items())
    return requests.post(
        onion + "/return",
        data={"csrf_token": token.group(1), "codename": WRONG},
        headers=host | {"Cookie": cookies, "X-Forwarded-For": forged},
        allow_redirects=False,
        timeout=30,
    ).status_code


@pytest.mark.slow
def test_a_tor_visitor_cannot_use_up_another_clients_guesses(trusted: Served) -> None:
    """Over the onion port, a forged X-Forwarded-For naming the neighbour counts for no one.

    This is why Tor reaches the portal through nginx and not directly: with
    `trusted_proxies = 1` and Tor connecting straight to `portal serve`, the
    last X-Forwarded-For entry is the one the Tor visitor wrote, and these
    guesses would lock the neighbour out.
    """
    statuses = [_guess_over_tor(trusted.onion, forged=NEIGHBOUR) for _ in range(CLIENT_LIMIT + 1)]
    assert statuses == [200] * (CLIENT_LIMIT + 1)
    assert _guess(_client(NEIGHBOUR, trusted), trusted.https) == 200


@pytest.mark.slow
def test_without_trusted_proxies_the_guides_tls_proxy_hides_every_client(
    untrusted: Served,
) -> None:
    """Why the guide sets trusted_proxies = 1: without it no per-client limit applies."""
    guesser = _client(GUESSER, untrusted)
    assert [_guess(guesser, untrusted.https) for _ in range(CLIENT_LIMIT + 1)] == [200] * (
        CLIENT_LIMIT + 1
    )
