"""Single requests the scenarios need besides the load: sign-in and one big upload.

Plain http.client on loopback, so each timing is of one request and nothing else.
"""

from __future__ import annotations

import http.client
import re
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import BinaryIO

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SUBMISSION = re.compile(r'name="submission"[^>]*value="([^"]+)"')


@dataclass
class Browser:
    """A client with its own cookies, talking to one loopback server."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def cookie_header(self) -> str:
        """The Cookie header this client sends."""
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(
        self,
        method: str,
        path: str,
        body: bytes | BinaryIO | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 120,
    ) -> tuple[int, str, float]:
        """Send one request; returns the status, the body text and the seconds it took."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        all_headers = dict(headers or {})
        if self.cookies:
            all_headers["Cookie"] = self.cookie_header()
        try:
            started = time.perf_counter()
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            seconds = time.perf_counter() - started
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel.value:
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            return response.status, text, seconds
        finally:
            connection.close()

    def token(self, path: str) -> str:
        """The CSRF token of the form on a page."""
        status, text, _ = self.request("GET", path)
        match = TOKEN.search(text)
        if status != 200 or match is None:
            raise RuntimeError(f"no form on {path} (status {status})")
        return match.group(1)

    def report_tokens(self) -> tuple[str, str]:
        """The report form's CSRF token and the token naming its one submission."""
        status, text, _ = self.request("GET", "/report")
        csrf, submission = TOKEN.search(text), SUBMISSION.search(text)
        if status != 200 or csrf is None or submission is None:
            raise RuntimeError(f"no report form (status {status})")
        return csrf.group(1), submission.group(1)


def log_in(browser: Browser, name: str, passphrase: str, code: str) -> float:
    """Sign in as an advocate through the real page; returns the POST's seconds."""
    token = browser.token("/advocate/login")
    body = urllib.parse.urlencode(
        {"csrf_token": token, "name": name, "passphrase": passphrase, "code": code}
    ).encode()
    status, _, seconds = browser.request(
        "POST",
        "/advocate/login",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    if status != 303:
        raise RuntimeError(f"sign-in failed (status {status})")
    return seconds


def multipart(fields: dict[str, str], empty_file_input: bool = True) -> tuple[bytes, str]:
    """A multipart/form-data body, as the report form's browser would send it (with its
    file input left empty; a script's FormData of sealed fields has none)."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    if empty_file_input:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename=""\r\n'
            "Content-Type: application/octet-stream\r\n\r\n\r\n"
        )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


def write_upload_body(path: Path, tokens: tuple[str, str], size: int) -> tuple[str, int]:
    """Write a multipart report with one file of `size` random bytes; returns type and length."""
    boundary = "benchboundary7f3a9c"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{tokens[0]}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="submission"\r\n\r\n{tokens[1]}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="consent_read"\r\n\r\ny\r\n'
        # Random bytes are no file we can clean: kept as sent, the upload path alone is timed.
        f'--{boundary}\r\nContent-Disposition: form-data; name="keep_metadata"\r\n\r\ny\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
        f'filename="recording.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    with open(path, "wb") as out:
        out.write(head + b"%PDF-1.7\n")
        written = 9
        with open("/dev/urandom", "rb") as random_bytes:
            while written < size:
                chunk = random_bytes.read(min(1 << 20, size - written))
                out.write(chunk)
                written += len(chunk)
        out.write(tail)
    return f"multipart/form-data; boundary={boundary}", path.stat().st_size
