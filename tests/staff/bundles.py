"""Opening an export bundle as its recipient would: 7-Zip, then the inner ZIP."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

# Five words of the EFF long list: strong enough as a chosen ZIP passphrase.
ZIP_PASSPHRASE = "copper anchor lantern velvet gravity tundra"
GENERATED = re.compile(r'name="generated" type="hidden" value="([a-z-]+)"')


def seven_zip(archive: Path, passphrase: str, target: Path) -> None:
    """Open the archive with 7-Zip, independently of the library that wrote it."""
    subprocess.run(
        ["7z", "x", f"-p{passphrase}", f"-o{target}", str(archive), "-y"],
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )


def open_bundle(archive: Path, passphrase: str, target: Path) -> dict[str, bytes]:
    """Every file of a bundle, opened as its recipient would: 7-Zip, then the inner ZIP."""
    seven_zip(archive, passphrase, target / "outer")
    inner = target / "outer" / "bundle.zip"
    with zipfile.ZipFile(inner) as bundle:  # the standard library: not the writer
        return {name: bundle.read(name) for name in bundle.namelist()}
