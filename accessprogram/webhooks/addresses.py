"""Where deliveries may go: no server-side request forgery into the platform's own network.

A webhook URL is a request the platform makes on a tester's behalf, so it could otherwise reach
the metadata service, the database or an admin port. A host is resolved here and *every*
address it resolves to must be public (`is_global`, not multicast), or lie in
WEBHOOK_ALLOWED_NETWORKS (local development and tests); the request is then made to the checked
address itself (see sender.py), so a second lookup cannot answer differently (DNS rebinding).
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """The URL is not one the program sends to; the message says why, for the tester."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL: the Host header and the TLS server name
    port: int
    path: str  # path and query
    address: Address  # the checked address the connection goes to


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in settings.WEBHOOK_ALLOWED_NETWORKS]


def address_allowed(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback
    if any(address in network for network in allowed_networks()):
        return True
    return address.is_global and not address.is_multicast


def parse(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise AddressRefused("Use an http:// or https:// URL.")
    if parts.username or parts.password:
        raise AddressRefused("Leave credentials out of the URL; verify the signature instead.")
    if not parts.hostname:
        raise AddressRefused("The URL has no host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise AddressRefused("The URL's port is not a number between 0 and 65535.") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def resolve(url: str) -> Target:
    """The checked target of `url`; AddressRefused when any address it resolves to is not
    allowed, or it does not resolve."""
    scheme, host, port, path = parse(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise AddressRefused(f"“{host}” does not resolve to an address.") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
    if not addresses:
        raise AddressRefused(f"“{host}” does not resolve to an address.")
    refused = [a for a in addresses if not address_allowed(a)]
    if refused:
        raise AddressRefused(
            f"“{host}” resolves to {refused[0]}, a private, loopback or reserved address; "
            "webhooks go only to public addresses."
        )
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])
