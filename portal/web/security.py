"""Security headers, applied to every response, and every cookie the portal sets.

The CSP allows nothing but the portal's own scripts, styles and images: no
inline script, no third-party resource, no framing. Every page is no-store so
that a shared device's cache keeps nothing a survivor saw.
"""

from __future__ import annotations

import enum
from urllib.parse import quote, urlsplit

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from config import Config
from portal.web.settings import portal_config

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",  # the report page sends a report sealed in the browser
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    # Scripts run only with a Subresource Integrity hash (web/scripts.py).
    "Integrity-Policy": "blocked-destinations=(script)",
}
HSTS = "max-age=63072000; includeSubDomains"


class Cookie(enum.StrEnum):
    """Every cookie the portal sets, by its name over plain HTTP on loopback."""

    # Flask's own session: signed, not encrypted, so it holds no secret (only
    # the CSRF token).
    FLASK_SESSION = "session"
    # A survivor's session: the key to her session's row (core/survivor_sessions).
    SURVIVOR = "return"
    # The token of the report a survivor has just sent: the key to what she was
    # shown, her codename, until she says she saved it (core/submissions).
    SENT = "sent"
    # A charity account's session: the key to its row (core/account_sessions).
    CHARITY = "staff"


# The same for every cookie: no script reads it, no other site's request
# carries it, and every path of the portal does.
HTTPONLY, SAMESITE, PATH = True, "Strict", "/"


def cookie_name(cookie: Cookie, config: Config | None = None) -> str:
    """The name a cookie is sent under: __Host- prefixed whenever transport is
    secure, so that only this host, over HTTPS, can ever set it."""
    secure = (config or portal_config()).secure_transport
    return f"__Host-{cookie.value}" if secure else cookie.value


def read_cookie(cookie: Cookie) -> str | None:
    """The value this request's client sent for a cookie, if any."""
    return request.cookies.get(cookie_name(cookie))


def set_cookie(response: Response, cookie: Cookie, value: str, max_age: int) -> None:
    """Set a cookie as every portal cookie is set: HttpOnly, SameSite=Strict, Path=/,
    Secure on HTTPS and onion addresses, and gone from the browser after `max_age`
    seconds (the session's absolute limit), not kept until the browser closes."""
    response.set_cookie(
        cookie_name(cookie),
        value,
        max_age=max_age,
        path=PATH,
        httponly=HTTPONLY,
        secure=portal_config().secure_transport,
        samesite=SAMESITE,
    )


def clear_cookie(response: Response, cookie: Cookie) -> None:
    """Remove a cookie set by `set_cookie`."""
    response.delete_cookie(
        cookie_name(cookie),
        path=PATH,
        httponly=HTTPONLY,
        secure=portal_config().secure_transport,
        samesite=SAMESITE,
    )


def flask_session_cookie(config: Config) -> dict[str, object]:
    """Flask's settings for its own session cookie, with the flags of every other."""
    return {
        "SESSION_COOKIE_NAME": cookie_name(Cookie.FLASK_SESSION, config),
        "SESSION_COOKIE_SECURE": config.secure_transport,
        "SESSION_COOKIE_HTTPONLY": HTTPONLY,
        "SESSION_COOKIE_SAMESITE": SAMESITE,
        "SESSION_COOKIE_PATH": PATH,
        "SESSION_COOKIE_DOMAIN": None,  # host-only, as __Host- requires
        "PREFERRED_URL_SCHEME": "https" if config.secure_transport else "http",
    }


def insecure_transport_notice(config: Config) -> str | None:
    """What to tell the operator when cookies cannot be Secure, or None."""
    if config.secure_transport:
        return None
    return (
        f"public_url is {config.public_url} (plain HTTP on loopback): cookies are "
        "sent without Secure and the __Host- prefix, and HSTS is off. Serve over "
        "HTTPS or an onion address for real use."
    )


def _onion_location(onion_url: str) -> str | None:
    """This page's address on the onion service, unless the request came in on it.

    Tor Browser, reading it on an HTTPS page, offers the visitor the onion
    address of the same page. The path and query are quoted again, so nothing
    a client wrote in them can break the header.
    """
    if request.host.partition(":")[0].lower() == urlsplit(onion_url).hostname:
        return None
    query = request.query_string.decode("latin-1")
    here = quote(request.path, safe="/:@!$&'()*+,;=")
    return onion_url + here + ("?" + quote(query, safe="/:@!$&'()*+,;=?%") if query else "")


def init_app(app: Flask, config: Config) -> None:
    """Configure cookies, add the security headers to every response, and
    know clients by their own address behind `trusted_proxies` proxies."""
    app.config.update(flask_session_cookie(config))
    if config.trusted_proxies:
        # The client is the address the nearest trusted proxy appended to
        # X-Forwarded-For (throttles count by it); whatever a client wrote
        # there itself is further left, and ignored.
        # X-Forwarded-Proto tells the portal the visitor's own scheme, HTTPS.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=config.trusted_proxies, x_proto=config.trusted_proxies
        )
    strict_transport = config.public_url.startswith("https://")
    # Offered only from the HTTPS address: an onion address next to plain
    # loopback HTTP would be a test set-up, not a public site.
    onion_url = config.onion_url if strict_transport else None

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.update(HEADERS)
        if strict_transport:
            response.headers["Strict-Transport-Security"] = HSTS
        onion_location = _onion_location(onion_url) if onion_url else None
        if onion_location:
            response.headers["Onion-Location"] = onion_location
        return response
