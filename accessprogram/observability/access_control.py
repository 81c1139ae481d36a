"""Who may read /metrics: not the public.

A caller must connect from METRICS_ALLOWED_NETWORKS (REMOTE_ADDR only: forwarded headers are
whatever a client sends) and, when METRICS_TOKEN is set, present it as a bearer token. Behind a
reverse proxy every request arrives from the proxy's address, so the token is what protects the
endpoint there; with DEPLOYMENT=production and no token the endpoint is not served at all.
"""

import hmac
import ipaddress
from enum import Enum

from django.conf import settings


class Decision(Enum):
    ALLOW = "allow"
    HIDE = "hide"  # 404: not configured here, or not from a scraping network
    DENY = "deny"  # 403: right network, wrong or missing token


def _from_allowed_network(remote_addr: str) -> bool:
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False)
        for network in settings.METRICS_ALLOWED_NETWORKS
    )


def _bearer(authorization: str) -> bytes:
    scheme, _, token = authorization.partition(" ")
    return token.strip().encode() if scheme.lower() == "bearer" else b""


def decide(meta) -> Decision:
    token = settings.METRICS_TOKEN
    if not token and settings.DEPLOYMENT == "production":
        return Decision.HIDE  # fail closed: production must say who may scrape
    if not _from_allowed_network(meta.get("REMOTE_ADDR", "")):
        return Decision.HIDE
    if token and not hmac.compare_digest(
        _bearer(meta.get("HTTP_AUTHORIZATION", "")), token.encode()
    ):
        return Decision.DENY
    return Decision.ALLOW
