"""Make the throwaway test instance of an older release that the upgrade test starts from.

Run once, with the OLDER release's tree first on the path, never this one's:

    git worktree add --detach /tmp/old-release 944fe8e^
    cd /tmp/old-release
    PYTHONPATH=/tmp/old-release /path/to/.venv/bin/python \\
        /path/to/this/tests/operations/make_old_instance.py OUT_FOLDER
    git worktree remove /tmp/old-release
    tar --owner=0 --group=0 --numeric-owner --mtime=@0 \\
        -C OUT_FOLDER -cf OUT_FOLDER/instance.tar instance

It writes OUT_FOLDER/instance (settings, secrets, database at that release's
schema) and OUT_FOLDER/expected.json: what each report says, its codename,
and the advocate who reads them. Reports are sent through that release's own
report form, as a survivor sent them, with a follow-up message and a picture.
The repository keeps the folder as `instance.tar` (the last line above).
Everything in it is test data: the secrets open nothing but this instance.
"""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pyotp
from PIL import Image
from sqlalchemy import text

import config
from portal import create_app
from portal.core import accounts
from portal.core.instance import create_instance
from portal.store import make_engine
from portal.store.models import Role
from tests.support.instance import CHEAP_ARGON2, CHEAP_ARGON2_SETTINGS, LOOPBACK_URL

CODENAME = re.compile(r'<p class="codename" lang="en">([a-z ]+)</p>')
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ADVOCATE, PASSPHRASE = "alice", "orbit velvet lantern harbour quietly"
REPORTS = (
    "Test report one: an officer took my phone at the station on Kestrel Road.",
    "Test report two: he followed me home in a marked car, three nights running.",
    "Test report three: my complaint about the custody sergeant was never logged.",
)
FOLLOW_UP = "Test follow-up: I found the letter with the date of the second visit."


def _picture() -> bytes:
    """A small PNG, sent as evidence with the first report."""
    image = Image.new("RGB", (24, 16), (120, 60, 30))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def main(out: Path) -> None:
    """Build the instance and what it is expected to hold."""
    instance = out / "instance"
    phrase = create_instance(instance, LOOPBACK_URL)
    settings = instance / "portal.toml"
    settings.write_text(
        re.sub(r"\[argon2\].*", CHEAP_ARGON2_SETTINGS, settings.read_text(), flags=re.DOTALL)
    )
    app = create_app({"instance_path": instance, "testing": True, "argon2": CHEAP_ARGON2})
    store = app.extensions["store"]
    with store.session() as session:
        enrolment = accounts.create_account(
            session, ADVOCATE, Role.ADVOCATE, PASSPHRASE, CHEAP_ARGON2, instance / "secrets", "test"
        )
    totp = re.search(r"secret=([A-Z2-7]+)", enrolment.otpauth_uri)
    assert totp
    sent = []
    for number, account in enumerate(REPORTS):
        client = app.test_client()
        page = client.get("/report").get_data(as_text=True)
        token = TOKEN.search(page)
        assert token
        fields = {"csrf_token": token.group(1), "consent_read": "y", "what_happened": account}
        if number == 0:
            fields["files"] = (io.BytesIO(_picture()), "photo.png")
        answer = client.post("/report", data=fields, content_type="multipart/form-data")
        codename = CODENAME.search(answer.get_data(as_text=True))
        assert answer.status_code == 200 and codename, answer.get_data(as_text=True)[-2000:]
        sent.append({"codename": codename.group(1), "what_happened": account})
    _add_follow_up(app, sent[0]["codename"])
    store.engine.dispose()
    (instance / "portal.db.lock").unlink(missing_ok=True)
    assert not (instance / "portal.db-wal").exists(), "the write-ahead log was not emptied"
    expected = {
        "schema": _schema(instance),
        "recovery_phrase": phrase,
        "advocate": {"name": ADVOCATE, "passphrase": PASSPHRASE, "totp": totp.group(1)},
        "reports": sent,
        "follow_up": FOLLOW_UP,
        # The release stores a survivor's file under a neutral name, never hers.
        "file_name": "evidence-1.png",
    }
    (out / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    pyotp.TOTP(totp.group(1)).now()  # the secret is a valid TOTP key


def _add_follow_up(app: object, codename: str) -> None:
    """The first survivor comes back with her codename and adds a message."""
    client = app.test_client()  # type: ignore[attr-defined]
    page = client.get("/return").get_data(as_text=True)
    token = TOKEN.search(page)
    assert token
    client.post("/return", data={"csrf_token": token.group(1), "codename": codename})
    page = client.get("/return/report").get_data(as_text=True)
    token = TOKEN.search(page)
    assert token, page[-2000:]
    added = client.post(
        "/return/add",
        data={"csrf_token": token.group(1), "kind": "message", "text": FOLLOW_UP},
        content_type="multipart/form-data",
    )
    assert added.status_code == 303, added.get_data(as_text=True)[-2000:]


def _schema(instance: Path) -> str:
    """The schema revision the older release left the database at."""
    engine = make_engine(config.load(instance, environ={}))
    try:
        with engine.connect() as connection:
            revision: str = connection.execute(
                text("SELECT version_num FROM alembic_version")
            ).scalar_one()
    finally:
        engine.dispose()
    return revision


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
