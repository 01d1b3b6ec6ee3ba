"""What two peers spend on the same events, timed on this machine in the same run.

SecureDrop's source interface, for each new source: scrypt (N=2^14, r=8, p=1)
twice over the codename (its filesystem id and its GPG passphrase), and a
new RSA-4096 key pair (there GnuPG makes it; here `cryptography`, which is as
fast or faster, so the ratio is if anything in the peer's favour).

GlobaLeaks, for each login: Argon2id over 128 MiB. Its password check uses
16 passes and one lane (libsodium's opslimit=16, memlimit=2^27), which is
what is timed; accounts with encryption pay a key derivation of 17 more
passes on top, which is not counted.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import time
from collections.abc import Callable

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives.asymmetric import rsa

from crypto.passphrase import Argon2Params


def _median_seconds(work: Callable[[], object], runs: int, budget_seconds: float) -> float:
    """Median duration of `work` over at most `runs` runs and about `budget_seconds`."""
    times: list[float] = []
    deadline = time.perf_counter() + budget_seconds
    while len(times) < runs and (not times or time.perf_counter() < deadline):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def securedrop_new_source_ms() -> dict[str, float]:
    """SecureDrop's cryptographic work for one new source, in milliseconds."""
    codename = " ".join(["correct", "horse", "battery", "staple", "glade", "mint", "oak"])

    def scrypt() -> None:
        hashlib.scrypt(codename.encode(), salt=os.urandom(32), n=2**14, r=8, p=1, maxmem=2**26)

    scrypt_ms = 1000 * _median_seconds(scrypt, 5, 2.0)
    rsa_ms = 1000 * _median_seconds(
        lambda: rsa.generate_private_key(public_exponent=65537, key_size=4096), 5, 8.0
    )
    return {"scrypt_ms": scrypt_ms, "rsa4096_ms": rsa_ms, "total_ms": 2 * scrypt_ms + rsa_ms}


def globaleaks_login_ms() -> float:
    """GlobaLeaks' Argon2id password check (128 MiB, 16 passes, 1 lane), in milliseconds."""

    def argon2() -> None:
        hash_secret_raw(
            b"a passphrase",
            os.urandom(16),
            time_cost=16,
            memory_cost=128 * 1024,
            parallelism=1,
            hash_len=32,
            type=Type.ID,
        )

    return 1000 * _median_seconds(argon2, 3, 6.0)


def our_argon2_ms() -> float:
    """Our one Argon2id call per login, at the configured cost (64 MiB, 3 passes, 4 lanes)."""
    params = Argon2Params()

    def argon2() -> None:
        hash_secret_raw(
            b"a passphrase",
            os.urandom(16),
            time_cost=params.time_cost,
            memory_cost=params.memory_kib,
            parallelism=params.parallelism,
            hash_len=32,
            type=Type.ID,
        )

    return 1000 * _median_seconds(argon2, 5, 3.0)
