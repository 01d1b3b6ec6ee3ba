"""The browser makes evidence files ready as the server would, and seals them as the server
stores them (js/seal/src/files.js, through node).

For every picture, video and other file the evidence tests are built on, with her
hidden details kept or not, the browser must say what the server's `prepare_files`
says in the same words, or give the same bytes and details; a file only the server
can clean or name (a PDF, an office document, another ZIP) is left to it. A file the
browser sealed opens with `crypto/`, and a whole form the browser built is stored by
POST /report/sealed, its files read back by an advocate as the server cleaned them.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from crypto.envelope import decrypt_field, new_key, unwrap_key
from crypto.errors import TamperedCiphertext
from crypto.format import Binding
from crypto.stream import SEGMENT_SIZE, STREAM_HEADER_SIZE, StreamDecryptor
from portal.core.cleaning import FileType, identify
from portal.core.encrypted_uploads import EncryptedUpload, RefusedUpload
from portal.core.evidence import FILES_PER_REQUEST, SentFile, prepare_files
from portal.core.reports import FileDetails, reference_of
from portal.core.submissions import Submission
from portal.store import Store
from portal.web.uploads import TOO_MANY
from tests.support import evidence_files as files
from tests.support import node
from tests.support.instance import Instance
from tests.support.pages import csrf_token
from tests.survivor.test_browser_cleaning import HOSTILE, WHOLE
from tests.survivor.test_sealed_files import (
    data_key_of,
    stored_files,
    token_text,
)
from tests.survivor.test_sealed_reports import READ_ONLY, seal_in_browser
from tests.survivor.uploads import assert_no_secrets

LIMIT = 1024 * 1024
NAMES = [
    "C:\\Users\\Jane\\photo.jpg",
    "/home/jane/Pictures/IMG_0042.JPG",
    "..",
    "",
    "tab\there\u200b and\u202e rtl .png",
    "  spaced  ",
    "Zoë\u2019s 📷 notes.txt",
    "x" * 300,
]
TOKEN = base64.urlsafe_b64encode(bytes(range(36))).decode()


def corpus() -> dict[str, bytes]:
    made = {name: make() for name, make in {**WHOLE, **HOSTILE}.items()}
    made["over the limit"] = files.jpeg() + bytes(LIMIT)
    return made


def run_node(folder: Path, task: dict[str, Any]) -> dict[str, Any]:
    """Run js/seal/test/files.js on this task; what it answered."""
    given, answered = folder / "task.json", folder / "answer.json"
    given.write_text(json.dumps({"token": TOKEN, "dataKey": "00" * 32, "maxBytes": LIMIT, **task}))
    node.installed_packages()
    node.run(["node", "test/files.js", str(given), str(answered)])
    made: dict[str, Any] = json.loads(answered.read_text())
    return made


def write(folder: Path, name: str, data: bytes) -> str:
    path = folder / f"{len(list(folder.iterdir()))}.bin"
    path.write_bytes(data)
    return str(path)


def server_prepares(
    store: Store, sent: list[tuple[str, bytes]], keep: bool
) -> tuple[list[tuple[FileDetails, bytes]], list[str]]:
    """What the server's path makes of these files: each ready one's details (numbered as
    it numbers them) and bytes, and the problems, in its words."""
    uploads: list[EncryptedUpload] = []
    parts = []
    for index, (name, data) in enumerate(sent):
        if index >= FILES_PER_REQUEST:  # as the request refuses them
            parts.append(SentFile(name, RefusedUpload(name, TOO_MANY)))
            continue
        upload = EncryptedUpload(store.engine, name, LIMIT, uploads)
        uploads.append(upload)
        upload.write(data)
        upload.finish()
        parts.append(SentFile(name, upload))
    try:
        prepared, problems = prepare_files(parts, keep, LIMIT // (1024 * 1024))
        made = [
            (
                FileDetails(
                    p.stored_name(number),
                    p.upload.media_type,
                    p.upload.size,
                    p.upload.sha256,
                    p.metadata_removed,
                ),
                b"".join(p.upload.plaintext()),
            )
            for number, p in enumerate(prepared, start=1)
        ]
    finally:
        for upload in uploads:
            upload.discard()
    return made, problems


def only_the_server_names(data: bytes, keep: bool) -> bool:
    """A PDF, an office document or another ZIP: the server's tools tell (and clean) them."""
    found = identify(io.BytesIO(data))
    if data.startswith(b"PK\x03\x04"):
        return True
    return not keep and isinstance(found, FileType) and found.media_type == "application/pdf"


@pytest.mark.sqlcipher_only
def test_the_browser_makes_each_file_ready_as_the_server_does(store: Store, tmp_path: Path) -> None:
    made = corpus()
    calls = [
        (keep, [(NAMES[i % len(NAMES)] if i % 3 == 0 else f"{name}.bin", data)])
        for keep in (False, True)
        for i, (name, data) in enumerate(made.items())
    ]
    # Several at once: numbered among the files ready, and the sixth one too many.
    several = [(f"{n}.jpg", files.jpeg()) for n in range(2)] + [
        ("notes.txt", b"He texted me."),
        ("shot.png", files.png()),
        ("scan.pdf", files.pdf()),
        ("sixth.jpg", files.jpeg()),
    ]
    calls += [(False, several), (True, several)]
    task = {
        "prepare": [
            {"keep": keep, "files": [{"path": write(tmp_path, n, d), "name": n} for n, d in sent]}
            for keep, sent in calls
        ]
    }
    answers = run_node(tmp_path, task)["prepared"]
    differ = [
        f"call {call} (keep={keep}, {[name for name, _ in sent]}): {difference}"
        for call, ((keep, sent), answer) in enumerate(zip(calls, answers, strict=True))
        if (difference := _compare(store, call, keep, sent, answer, task))
    ]
    assert not differ, "\n".join(differ)
    assert {said["outcome"] for answer in answers for said in answer} == {
        "seal",
        "server",
        "refused",
    }


def _compare(
    store: Store,
    call: int,
    keep: bool,
    sent: list[tuple[str, bytes]],
    answer: list[dict[str, Any]],
    task: dict[str, Any],
) -> str:
    """How what the browser did differs from the server's path, if it does."""
    ready, problems = server_prepares(store, sent, keep)
    paths = [f["path"] for f in task["prepare"][call]["files"]]
    sealed = [
        (FileDetails(**said["details"]), Path(f"{path}.{call}.ready").read_bytes())
        for path, said in zip(paths, answer, strict=True)
        if said["outcome"] == "seal"
    ]
    refused = [said["problem"] for said in answer if said["outcome"] == "refused"]
    to_server = [
        data for (_, data), said in zip(sent, answer, strict=True) if said["outcome"] == "server"
    ]
    if not all(only_the_server_names(data, keep) for data in to_server):
        return "left to the server a file the browser can clean or name"
    if sealed != ready[: len(sealed)]:
        return f"made ready {[d for d, _ in sealed]}, the server {[d for d, _ in ready]}"
    if not to_server and (len(ready) != len(sealed) or refused != problems):
        return f"refused with {refused}, the server {problems}"
    if to_server and (
        len(ready) - len(sealed) > len(to_server) or not set(refused) <= set(problems)
    ):
        return f"refused with {refused}, the server {problems}"
    return ""


def test_a_file_sealed_in_the_browser_opens_in_python_bound_to_its_id(tmp_path: Path) -> None:
    data_key = new_key()
    token = base64.urlsafe_b64decode(TOKEN)
    contents = [b"x", bytes(range(256)) * 1000, files.jpeg()]
    details = [
        FileDetails(f"Zo\u00eb \U0001f4f7 {n}\x7f.jpg", "image/jpeg", len(d), "ab" * 32, n == 1)
        for n, d in enumerate(contents, start=1)
    ]
    task = {
        "dataKey": data_key.hex(),
        "seal": [
            {"path": write(tmp_path, "", data), "number": n, "details": details[n - 1].__dict__}
            for n, data in enumerate(contents, start=1)
        ],
    }
    made = run_node(tmp_path, task)
    submission = Submission(token=token)
    assert made["ids"] == [submission.attachment_id(n) for n in range(1, FILES_PER_REQUEST + 2)]
    for n, (sealed, data) in enumerate(zip(made["sealed"], contents, strict=True), start=1):
        file_id = sealed["attachmentId"]
        assert file_id == submission.attachment_id(n)
        home = lambda field, i=file_id: Binding("attachments", i, field)  # noqa: E731
        file_key = unwrap_key(data_key, bytes.fromhex(sealed["fileKey"]), home("file_key"))
        stream = Path(task["seal"][n - 1]["path"] + ".sealed").read_bytes()
        header, body = stream[:STREAM_HEADER_SIZE], stream[STREAM_HEADER_SIZE:]
        step = SEGMENT_SIZE + 16
        segments = [body[i : i + step] for i in range(0, len(body), step)]
        opened = StreamDecryptor(file_key, home("content"), header).decrypt_segments(segments)
        assert b"".join(opened) == data
        written = decrypt_field(data_key, bytes.fromhex(sealed["details"]), home("details"))
        assert written == json.dumps(details[n - 1].__dict__).encode()  # as the server writes it
        other = Binding("attachments", submission.attachment_id(n + 1), "content")
        with pytest.raises(TamperedCiphertext):
            b"".join(StreamDecryptor(file_key, other, header).decrypt_segments(segments))


def test_a_form_the_browser_built_is_stored_and_an_advocate_reads_its_files(
    app: Flask, store: Store, instance: Instance, tmp_path: Path
) -> None:
    client = app.test_client()
    browser = seal_in_browser(store, instance, READ_ONLY)
    chosen = [
        ("C:\\Users\\Jane\\IMG_0042.jpg", files.jpeg()),
        ("notes.txt", b"He texted me 40 times."),
        ("statement.pdf", files.pdf()),
        ("Jane at home.png", files.png()),
    ]
    fields = [
        ["csrf_token", csrf_token(client)],
        ["submission", token_text(browser)],
        ["consent_read", "y"],
        ["release", "now"],
        *[[name, value] for name, value in browser.fields.items()],
    ]
    body = tmp_path / "body"
    task = {
        "dataKey": data_key_of(browser).hex(),
        "form": {
            "fields": fields,
            "files": [{"path": write(tmp_path, n, d), "name": n} for n, d in chosen],
            "body": str(body),
        },
    }
    made = run_node(tmp_path, task)["form"]
    assert made["outcomes"] == ["seal", "refused", "server", "seal"]
    sent = body.read_bytes()
    assert_no_secrets(sent, b"Jane", b"IMG_0042", files.jpeg()[200:264])
    response = client.post("/report/sealed", data=sent, content_type=made["contentType"])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json == {"reference": reference_of(browser.report_id)}
    expected, _ = server_prepares(store, [chosen[0], chosen[3]], keep=False)
    ids = [browser.submission.attachment_id(n) for n in (1, 2)]
    read = stored_files(instance, store, browser.report_id)
    assert read == sorted((i, d, b) for i, (d, b) in zip(ids, expected, strict=True))
    assert [d.name for _, d, _ in sorted(read, key=lambda r: ids.index(r[0]))] == [
        "evidence-1.jpg",
        "evidence-2.png",
    ]
