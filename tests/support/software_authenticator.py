"""A security key in software: a FIDO2 authenticator and the browser around it, for tests.

One `SoftwareKey` holds one credential, as a USB key plugged into one page
does: `register` answers `navigator.credentials.create` for py_webauthn's
registration options, `get` answers `navigator.credentials.get` for its
request options, and both give the JSON a browser's `credential.toJSON()`
gives (base64url without padding, attestation format "none", ECDSA P-256).

Its PRF output for a salt is what a browser and a CTAP `hmac-secret` key
give together: the browser hashes the salt as WebAuthn asks, SHA-256("WebAuthn
PRF" | 0x00 | salt), and the key computes HMAC-SHA256 under a secret of the
credential that never leaves it. The server cannot tell it from a real one.

What a test may change, as a real key or a hostile browser could: the user
verification and backup flags, the counter (its step, 0 for a key that
keeps none, or its value), the origin the browser reports and the RP id it
hashes. `clone()` copies the credential, PRF secret included, with a counter
of its own. Nothing here checks what a server would; only a browser's own
refusals (an RP id or credential the options do not name) are kept.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40  # authenticator data flags
AAGUID = bytes(16)  # "none" attestation: the make of key is not told
ES256 = -7  # COSE algorithm: ECDSA over P-256 with SHA-256


def b64u(data: bytes) -> str:
    """Base64url without padding, as WebAuthn's JSON uses."""
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def from_b64u(text: str) -> bytes:
    """The bytes of unpadded base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class NotAllowed(Exception):
    """What a browser's `get()` or `create()` would refuse (its NotAllowedError or
    InvalidStateError): this key holds no credential the options allow."""


@dataclass(frozen=True)
class Assertion:
    """A `get()` answer: the credential's JSON and the PRF outputs the page reads."""

    credential: str
    first: bytes | None
    second: bytes | None

    def form(self) -> tuple[str, str, str]:
        """The fields a sign-in form posts: the JSON and both outputs in base64url ("" if none)."""
        return (
            self.credential,
            b64u(self.first) if self.first is not None else "",
            b64u(self.second) if self.second is not None else "",
        )


class SoftwareKey:
    """An authenticator with one credential, and the browser that talks to it."""

    def __init__(
        self,
        origin: str,
        *,
        prf: bool = True,
        user_verified: bool = True,
        backup_eligible: bool = False,
        backup_state: bool = False,
        counter_step: int = 1,
    ) -> None:
        self.origin = origin
        self.has_prf = prf
        self.user_verified = user_verified
        self.backup_eligible = backup_eligible
        self.backup_state = backup_state
        self.counter_step = counter_step  # 0: a key that keeps no counter
        self.sign_count = 0
        self.rp_id = ""
        self.credential_id = b""
        self._private = ec.generate_private_key(ec.SECP256R1())
        self._prf_secret = os.urandom(32)

    @property
    def id(self) -> str:
        """The credential id in base64url, as options and answers name it."""
        return b64u(self.credential_id)

    def clone(self, *, with_prf_secret: bool = True) -> SoftwareKey:
        """A copy of the credential with a counter of its own: its signing key, and its PRF
        secret unless `with_prf_secret` is False (a credential copied out of a virtual
        authenticator signs, but gives no PRF output)."""
        copied = copy.deepcopy(self)
        copied.has_prf = self.has_prf and with_prf_secret
        return copied

    def prf(self, salt: bytes) -> bytes:
        """The PRF output the page receives for `salt`."""
        hashed = hashlib.sha256(b"WebAuthn PRF\x00" + salt).digest()
        return hmac.new(self._prf_secret, hashed, hashlib.sha256).digest()

    def _flags(self) -> int:
        flags = UP
        flags |= UV if self.user_verified else 0
        flags |= BE if self.backup_eligible or self.backup_state else 0
        flags |= BS if self.backup_state else 0
        return flags

    def _auth_data(self, rp_id: str, flags: int) -> bytes:
        self.sign_count += self.counter_step
        return (
            hashlib.sha256(rp_id.encode()).digest()
            + bytes([flags])
            + self.sign_count.to_bytes(4, "big")
        )

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        # Chromium's order and spacing; the server hashes these exact bytes.
        return json.dumps(
            {
                "type": kind,
                "challenge": challenge,
                "origin": origin or self.origin,
                "crossOrigin": False,
            },
            separators=(",", ":"),
        ).encode()

    def register(
        self,
        public_key: dict[str, Any],
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        credential_id: bytes | None = None,
    ) -> str:
        """Answer `create()` for py_webauthn's registration options: `toJSON()` of the result.

        `origin` and `rp_id` stand in for a page elsewhere (the RP id is the
        options' otherwise); `credential_id` for a key that reuses one."""
        excluded = {item["id"] for item in public_key.get("excludeCredentials", [])}
        if self.credential_id and self.id in excluded:
            raise NotAllowed("this key is one of the excluded credentials")
        self.rp_id = rp_id or public_key["rp"]["id"]
        self.credential_id = credential_id or os.urandom(32)
        numbers = self._private.public_key().public_numbers()
        cose = cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: ES256,
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )
        auth_data = (
            self._auth_data(self.rp_id, self._flags() | AT)
            + AAGUID
            + len(self.credential_id).to_bytes(2, "big")
            + self.credential_id
            + cose
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        spki = self._private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        client_data = self._client_data("webauthn.create", public_key["challenge"], origin)
        return json.dumps(
            {
                "id": self.id,
                "rawId": self.id,
                "response": {
                    "clientDataJSON": b64u(client_data),
                    "authenticatorData": b64u(auth_data),
                    "transports": ["usb"],
                    "publicKey": b64u(spki),
                    "publicKeyAlgorithm": ES256,
                    "attestationObject": b64u(attestation),
                },
                "authenticatorAttachment": "cross-platform",
                "clientExtensionResults": {"prf": {"enabled": self.has_prf}},
                "type": "public-key",
            }
        )

    def get(
        self,
        public_key: dict[str, Any],
        eval_by_credential: dict[str, dict[str, str | None]] | None = None,
        *,
        origin: str | None = None,
    ) -> Assertion:
        """Answer `get()` for py_webauthn's request options, with the PRF salts
        `evalByCredential` gives per credential id (base64url, `first` and `second`)."""
        allowed = {item["id"] for item in public_key.get("allowCredentials", [])}
        if self.id not in allowed or public_key.get("rpId", self.rp_id) != self.rp_id:
            raise NotAllowed("this key holds no credential the options allow")
        salts = (eval_by_credential or {}).get(self.id) or {}
        first, second = salts.get("first"), salts.get("second")
        return self.sign(
            from_b64u(public_key["challenge"]),
            first=from_b64u(first) if first else None,
            second=from_b64u(second) if second else None,
            origin=origin,
        )

    def sign(
        self,
        challenge: bytes,
        *,
        first: bytes | None = None,
        second: bytes | None = None,
        origin: str | None = None,
        rp_id: str | None = None,
    ) -> Assertion:
        """An assertion for any challenge, as a hostile page could have made it: no check
        of which credentials were asked for. `first` and `second` are PRF salts."""
        auth_data = self._auth_data(rp_id or self.rp_id, self._flags())
        client_data = self._client_data("webauthn.get", b64u(challenge), origin)
        signature = self._private.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        outputs = {
            name: self.prf(salt)
            for name, salt in (("first", first), ("second", second))
            if salt is not None and self.has_prf
        }
        results = {"prf": {"results": {k: b64u(v) for k, v in outputs.items()}}} if outputs else {}
        credential = json.dumps(
            {
                "id": self.id,
                "rawId": self.id,
                "response": {
                    "clientDataJSON": b64u(client_data),
                    "authenticatorData": b64u(auth_data),
                    "signature": b64u(signature),
                },
                "authenticatorAttachment": "cross-platform",
                "clientExtensionResults": results,
                "type": "public-key",
            }
        )
        return Assertion(credential, outputs.get("first"), outputs.get("second"))
