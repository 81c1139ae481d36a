"""One HTTP request of a delivery, made to the address addresses.resolve checked.

The URL's host is replaced by that address; the Host header and the TLS server name (SNI, and
the certificate check) keep the name, so HTTPS works as usual without a second DNS lookup.
Redirects are not followed (a 3xx could point anywhere) and count as a failed attempt; proxies
from the environment are ignored; the response body is never read.
"""

import ipaddress

import httpx
from django.conf import settings

from .addresses import Target

USER_AGENT = "accessprogram-webhooks/1"


def _netloc(address, port: int) -> str:
    shown = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
    return f"{shown}:{port}"


def _host_header(target: Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def post(target: Target, *, headers: dict[str, str], body: bytes) -> int:
    """POST `body` to the pinned target; the response's status code. httpx.HTTPError on a
    connection failure or a timeout."""
    url = f"{target.scheme}://{_netloc(target.address, target.port)}{target.path}"
    extensions = {}
    if target.scheme == "https":
        extensions["sni_hostname"] = target.host
    request_headers = {
        **headers,
        "Host": _host_header(target),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    timeout = httpx.Timeout(settings.WEBHOOK_TIMEOUT_SECONDS)
    with (
        httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
        client.stream(
            "POST", url, content=body, headers=request_headers, extensions=extensions
        ) as response,
    ):
        return response.status_code
