"""The client's address, one rule for every part of the platform (throttles, anomaly counts,
agreement acceptance records).

Behind `TRUSTED_PROXY_COUNT` proxies, each appending the address it saw to X-Forwarded-For,
the client is the entry that many places from the end: entries before it were written by the
client and prove nothing. With no trusted proxies (or a header shorter than promised) the
address is REMOTE_ADDR, the peer of the TCP connection.
"""

from django.conf import settings


def client_ip(request) -> str | None:
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
