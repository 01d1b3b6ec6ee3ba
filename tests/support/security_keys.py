"""Chromium's virtual authenticators, plugged into a page over the DevTools protocol.

A virtual authenticator belongs to the page (its DevTools session), not to
the browser: a test plugs one into the tab that needs it, and unplugs it to
stand for a key left at home. Each one is a CTAP 2.1 USB key with a PIN
(user verification) that answers at once, and with WebAuthn's PRF extension
unless asked otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import CDPSession, Page


@dataclass
class VirtualKey:
    """One plugged-in authenticator: its page's DevTools session and its id."""

    cdp: CDPSession
    id: str

    def unplug(self) -> None:
        """Take the key away: it answers nothing more."""
        self.cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": self.id})

    def credentials(self) -> list[dict[str, Any]]:
        """The credentials it holds (id, private key, sign count, ...)."""
        answer = self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.id})
        credentials: list[dict[str, Any]] = answer["credentials"]
        return credentials

    def present(self, present: bool) -> None:
        """Whether the key answers at once (touched) or waits, as a key in a drawer.

        With two keys plugged in, only one may be present: the other would
        answer "no such credential" to a request for the first's, and the
        browser would refuse the whole request.
        """
        self.cdp.send(
            "WebAuthn.setAutomaticPresenceSimulation",
            {"authenticatorId": self.id, "enabled": present},
        )

    def verified(self, verified: bool) -> None:
        """Whether the PIN or fingerprint check succeeds from now on."""
        self.cdp.send(
            "WebAuthn.setUserVerified", {"authenticatorId": self.id, "isUserVerified": verified}
        )


def plug(
    page: Page, prf: bool = True, user_verification: bool = True, present: bool = True
) -> VirtualKey:
    """Plug a new security key into the page."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    answer = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "ctap2Version": "ctap2_1",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": user_verification,
                "isUserVerified": user_verification,
                "hasPrf": prf,
                "automaticPresenceSimulation": present,
            }
        },
    )
    return VirtualKey(cdp, answer["authenticatorId"])


def swap_before_creating(page: Page, old: VirtualKey, new: VirtualKey) -> None:
    """Stand for her hands: after touching her old key, she puts it away and touches the new.

    The page asks for the old key, then at once for a new one
    (navigator.credentials.create); a person swaps the keys while the browser
    waits. A test does it just before that call, through a script the test
    adds to the page (Playwright's, which the page's own policy does not see).
    """

    def swap() -> None:
        old.present(False)
        new.present(True)

    page.expose_function("__swapKeys", swap)
    page.add_init_script(
        "{ const create = navigator.credentials.create.bind(navigator.credentials);"
        " navigator.credentials.create = async (options) => {"
        " await window.__swapKeys(); return create(options); }; }"
    )
