"""A fresh instance as tests make it: its folder, its phrase and a cheap Argon2 setting."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crypto.passphrase import Argon2Params

# Real Argon2id, at a cost that keeps the suite fast.
CHEAP_ARGON2 = Argon2Params(time_cost=1, memory_kib=64, parallelism=1)
CHEAP_ARGON2_SETTINGS = "[argon2]\ntime_cost = 1\nmemory_kib = 64\nparallelism = 1\n"
LOOPBACK_URL = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class Instance:
    """A freshly initialised instance folder and the phrase `init` printed."""

    path: Path
    recovery_phrase: str
