"""Counting events against a rate in the shared cache (django-ratelimit's fixed windows).

The cache is Redis in production, so every web process counts into the same window.
"""

from django_ratelimit.core import is_ratelimited


def over_rate(request, *, group: str, key: str, rate: str) -> bool:
    """Count one more event for `key` in `group`; True when that exceeds `rate` (e.g. "5/h")."""
    return is_ratelimited(
        request, group=group, key=lambda _group, _request: key, rate=rate, increment=True
    )
