"""The browser cleans evidence files byte for byte as the server does, and refuses the same ones.

Every picture and video the evidence tests are built on, the same files
damaged (cut short at many points, bytes overwritten), and a few hostile
files, are cleaned by the server's cleaners here and by the browser's
(js/seal/src/clean, through node, one run for all). Both must write the
same bytes, refuse the same files, and leave to the server the same ones
(PDFs, office documents, everything else). It sits beside the server's
evidence tests, whose files it reuses: it is about what a survivor's file
becomes, not about the envelopes of tests/crypto/.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from portal.core.cleaning import FileType, identify
from portal.core.evidence import _PARSE_ERRORS
from tests.core import test_metadata as pictures
from tests.core.test_cleaners import BUILDERS
from tests.support import evidence_files as files
from tests.support import node

BROWSER_TYPES = {"image/jpeg", "image/png", "image/webp"} | {
    "video/mp4",
    "video/quicktime",
    "video/3gpp",
    "audio/mp4",
}


def _with_3gp_brand(movie: bytes) -> bytes:
    """The same movie branded as a 3GP file (ftyp's major brand is 8 bytes in)."""
    return movie[:8] + b"3gp4" + movie[12:]


def _with_m4a_brand(movie: bytes) -> bytes:
    return movie[:8] + b"M4A " + movie[12:]


def _mp4_with_impossible_box(inside: bool) -> bytes:
    """A movie whose first atom, or the first atom inside its movie header, claims too much."""
    movie = bytearray(files.movie())
    start = movie.index(b"moov") + 4 if inside else 0
    movie[start : start + 4] = (len(movie) + 1).to_bytes(4, "big")
    return bytes(movie)


def _inside(data: bytes, path: list[bytes], children: bytes) -> bytes:
    """The movie with children put first inside the atom at path (the first of each
    type), every atom around them grown to hold them. The movie atom must follow the
    media, so no sample moves."""
    edited, start, end, grown = bytearray(data), 0, len(data), []
    for kind in path:
        start = next(a[1] for a in files.atoms_of(data, start, end) if a[0] == kind)
        end = start + int.from_bytes(data[start : start + 4], "big")
        grown.append(start)
        start += 8
    edited[start:start] = children
    for at in grown:
        size = int.from_bytes(edited[at : at + 4], "big") + len(children)
        edited[at : at + 4] = size.to_bytes(4, "big")
    return bytes(edited)


def _atom(kind: bytes, body: bytes = b"Jane at 51.5074 -0.1278") -> bytes:
    return (8 + len(body)).to_bytes(4, "big") + kind + body


def _movie_with_every_metadata_atom() -> bytes:
    """Each kind of metadata atom in a track and its media, private atoms in the movie,
    and a producer time, a uuid and padding at the top, all holding a position."""
    kinds = [b"udta", b"meta", b"uuid", b"ilst", b"keys", b"XMP_", b"cprt", b"loci", b"smta"]
    every = b"".join(_atom(kind) for kind in [*kinds, b"\xa9too", b"free", b"skip"])
    movie = _inside(files.movie(), [b"moov", b"trak"], every)
    movie = _inside(movie, [b"moov", b"trak", b"mdia"], every)
    movie = _inside(movie, [b"moov", b"trak", b"mdia", b"minf", b"stbl"], every)
    movie = _inside(movie, [b"moov"], _atom(b"gps ") + _atom(b"edts") + _atom(b"wide"))
    top = _atom(b"prft", bytes(8) + b"wall clock") + _atom(b"uuid") + _atom(b"skip")
    return movie + top + _atom(b"XYZW")


def _png_chunk_past_the_end() -> bytes:
    png = bytearray(files.png())
    png[33:37] = (10**6).to_bytes(4, "big")  # the chunk after IHDR claims a megabyte
    return bytes(png)


def _cmyk_jpeg() -> bytes:
    return pictures._jpeg(pictures._noise("CMYK"))


def _jpeg_with_vendor_segments() -> bytes:
    segment = pictures._segment
    return pictures._insert_after_soi(
        pictures._jpeg(),
        segment(0xED, b"Photoshop 3.0\x008BIM\x04\x04By-line: " + files.AUTHOR.encode()),
        segment(0xE0, b"JFXX\x00\x10" + files.PHONE.encode()),
        segment(0xEF, b"maker notes " + files.PHONE.encode()),
        segment(0xE2, b"FPXR\x00" + files.PHONE.encode()),
        segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + bytes(64)),
        segment(0xFE, b"a comment"),
    )


# Files each side must clean, refuse or leave to the server the same way, by name.
WHOLE: dict[str, Callable[[], bytes]] = {
    **BUILDERS,
    "jpeg-jfif-thumbnail": files.jpeg_with_jfif_thumbnail,
    "jpeg-stray-leading-byte": lambda: b"\x00" + files.jpeg(),
    "jpeg-trailing-blocks": lambda: files.jpeg() + b"SEFH" + files.PHONE.encode() * 9,
    "jpeg-fill-bytes": lambda: (j := files.jpeg())[:2] + b"\xff\xff\xff" + j[2:],
    "jpeg-cmyk-adobe": _cmyk_jpeg,
    "jpeg-icc-dpi": lambda: pictures._jpeg(icc_profile=b"ICC-" * 300, dpi=(300, 300)),
    "jpeg-vendor-segments": _jpeg_with_vendor_segments,
    "jpeg-big-restarts": lambda: pictures._jpeg(
        pictures._noise(size=(400, 300), seed=7), quality=98, restart_marker_blocks=3
    ),
    **{
        f"jpeg-{kind}": (lambda o=options: pictures._jpeg(comment=b"c", xmp=pictures.XMP, **o))
        for kind, options in pictures.JPEG_KINDS.items()
    },
    **{f"png-{mode}": (lambda m=mode: pictures._png(m)) for mode in ("RGB", "RGBA", "L", "P")},
    **{
        f"webp-{kind}": (lambda m=mode, o=options: pictures._webp(m, **o))
        for kind, (mode, options) in pictures.WEBP_KINDS.items()
    },
    "webp-simple-private-chunks": lambda: files.webp_with_private_chunks(extended=False),
    "webp-animated": lambda: _animated_webp(),
    "mp4-moov-first": lambda: files.movie(moov_first=True),
    "mp4-no-telemetry": lambda: files.movie(telemetry=False),
    "mp4-every-metadata-atom": _movie_with_every_metadata_atom,
    "3gp": lambda: _with_3gp_brand(files.movie()),
    "m4a": lambda: _with_m4a_brand(files.movie()),
    # Files the browser leaves to the server, which cleans or refuses them.
    "text": lambda: b"He texted me 40 times on 12 March.",
    "zip": lambda: files._zip([("photo.jpg", files.jpeg(), zipfile.ZIP_STORED)]),
    "mp3": lambda: b"ID3\x03\x00\x00\x00\x00\x00\x10TPE1" + bytes(3000),
    "gif": lambda: b"GIF89a\x01\x00\x01\x00" + bytes(40),
    "heic": lambda: b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(8),
    "pdf-after-stray-bytes": lambda: b"\x00\x00" + files.pdf(),
    "empty": lambda: b"",
}
# Files both must refuse: the hostile cases.
HOSTILE: dict[str, Callable[[], bytes]] = {
    "jpeg-truncated": lambda: files.jpeg()[:-300],
    "png-chunk-length-past-the-end": _png_chunk_past_the_end,
    "mp4-box-of-impossible-size": lambda: _mp4_with_impossible_box(inside=False),
    "mp4-box-of-impossible-size-in-the-movie": lambda: _mp4_with_impossible_box(inside=True),
    "jpeg-without-a-frame-header": lambda: (
        b"\xff\xd8" + pictures._segment(0xDA, bytes(6)) + (b"\x12" * 20 + b"\xff\xd9")
    ),
    **{name: (lambda d=data: d) for name, (_, data) in pictures.MALFORMED.items()},
}


def _animated_webp() -> bytes:
    frames = [pictures._noise(seed=seed) for seed in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "WEBP", save_all=True, append_images=frames[1:], exif=b"Exif\x00\x00x")
    return buffer.getvalue()


def damaged(name: str, data: bytes) -> dict[str, bytes]:
    """The file cut at many points, and with a few bytes overwritten (seeded)."""
    made = {f"{name}-cut-{cut}": data[:cut] for cut in pictures._cut_points(len(data))}
    randomness = random.Random(name)
    for attempt in range(12):
        altered = bytearray(data)
        for _ in range(randomness.randint(1, 4)):
            altered[randomness.randrange(len(data))] = randomness.randrange(256)
        made[f"{name}-altered-{attempt}"] = bytes(altered)
    return made


def server(data: bytes) -> tuple[str, bytes | str]:
    """What the server does with a file the browser might clean: cleaned, refused or its own."""
    found = identify(io.BytesIO(data))
    if not isinstance(found, FileType) or found.media_type not in BROWSER_TYPES:
        return ("by the server", "")
    pieces: list[bytes] = []
    try:
        found.clean(io.BytesIO(data), pieces.append)
        cleaned = b"".join(pieces)
        found.check(io.BytesIO(cleaned))
    except _PARSE_ERRORS:
        return ("refused", "")
    return ("cleaned " + found.media_type, cleaned)


def browser(answer: dict[str, Any], output: Path) -> tuple[str, bytes | str]:
    if answer["cleaned"]:
        return ("cleaned " + answer["mediaType"], output.read_bytes())
    return ("by the server", "") if answer["byServer"] else ("refused", "")


@pytest.fixture(scope="module")
def corpus() -> dict[str, bytes]:
    made = {name: make() for name, make in {**WHOLE, **HOSTILE}.items()}
    for name in WHOLE:
        if made[name] and server(made[name])[0].startswith("cleaned"):
            made.update(damaged(name, made[name]))
    return made


@pytest.fixture(scope="module")
def cleaned_by_both(
    corpus: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[tuple[str, bytes | str], tuple[str, bytes | str]]]:
    """For each file: what the server made of it, and what the browser did, in one node run."""
    folder = tmp_path_factory.mktemp("browser-cleaning")
    listed = []
    for number, (name, data) in enumerate(corpus.items()):
        path = folder / f"{number}.bin"
        path.write_bytes(data)
        listed.append({"path": str(path), "name": name})
    (folder / "list.json").write_text(json.dumps(listed))
    node.installed_packages()
    node.run(["node", "test/clean-files.js", str(folder / "list.json"), str(folder / "out.json")])
    answers = json.loads((folder / "out.json").read_text())
    return {
        entry["name"]: (
            server(corpus[entry["name"]]),
            browser(answer, Path(entry["path"] + ".clean")),
        )
        for entry, answer in zip(listed, answers, strict=True)
    }


def test_the_corpus_holds_every_kind_the_browser_cleans_and_damaged_copies(
    cleaned_by_both: dict[str, Any],
) -> None:
    outcomes = {server_did[0] for server_did, _ in cleaned_by_both.values()}
    assert {f"cleaned {kind}" for kind in BROWSER_TYPES} <= outcomes
    assert {"refused", "by the server"} <= outcomes
    assert len(cleaned_by_both) > 500


def test_the_browser_writes_the_servers_bytes_and_refuses_the_same_files(
    cleaned_by_both: dict[str, Any],
) -> None:
    differ = [
        name
        for name, (server_did, browser_did) in cleaned_by_both.items()
        if server_did != browser_did
    ]
    assert not differ, "\n".join(
        f"{name}: server {cleaned_by_both[name][0][0]}, browser {cleaned_by_both[name][1][0]}"
        for name in differ
    )


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_file_is_refused_by_both(cleaned_by_both: dict[str, Any], name: str) -> None:
    server_did, browser_did = cleaned_by_both[name]
    assert server_did[0] in ("refused", "by the server")
    assert browser_did == server_did
