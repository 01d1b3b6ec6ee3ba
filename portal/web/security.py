"""Security headers and cookie settings, applied to every response.

The CSP allows nothing but the portal's own scripts, styles and images: no
inline script, no third-party resource, no framing. Every page is no-store so
that a shared device's cache keeps nothing a survivor saw.
"""

from __future__ import annotations

from flask import Flask
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
}
HSTS = "max-age=63072000; includeSubDomains"


def cookie_settings(config: Config) -> dict[str, object]:
    """Flask cookie settings: Secure and __Host- whenever transport is secure."""
    secure = config.secure_transport
    return {
        "SESSION_COOKIE_NAME": "__Host-session" if secure else "session",
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Strict",
        "SESSION_COOKIE_PATH": "/",
        "SESSION_COOKIE_DOMAIN": None,
        "PREFERRED_URL_SCHEME": "https" if secure else "http",
    }


def set_session_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    """Set a session cookie as every portal cookie is set: HttpOnly, SameSite=Strict,
    Secure on HTTPS and onion addresses, and gone from the browser after `max_age`
    seconds (the session's absolute limit), not kept until the browser closes."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=portal_config().secure_transport,
        samesite="Strict",
    )


def clear_session_cookie(response: Response, name: str) -> None:
    """Remove a cookie set by `set_session_cookie`."""
    response.delete_cookie(
        name, path="/", httponly=True, secure=portal_config().secure_transport, samesite="Strict"
    )


def insecure_transport_notice(config: Config) -> str | None:
    """What to tell the operator when cookies cannot be Secure, or None."""
    if config.secure_transport:
        return None
    return (
        f"public_url is {config.public_url} (plain HTTP on loopback): cookies are "
        "sent without Secure and the __Host- prefix, and HSTS is off. Serve over "
        "HTTPS or an onion address for real use."
    )


def init_app(app: Flask, config: Config) -> None:
    """Configure cookies, add the security headers to every response, and
    know clients by their own address behind `trusted_proxies` proxies."""
    app.config.update(cookie_settings(config))
    if config.trusted_proxies:
        # The client is the address the nearest trusted proxy appended to
        # X-Forwarded-For (throttles count by it); whatever a client wrote
        # there itself is further left, and ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.trusted_proxies)  # type: ignore[method-assign]
    strict_transport = config.public_url.startswith("https://")

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.update(HEADERS)
        if strict_transport:
            response.headers["Strict-Transport-Security"] = HSTS
        return response
