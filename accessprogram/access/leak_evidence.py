"""What a leak alert records: the usage that crossed the thresholds, busiest addresses and user
agents first (anomalies.check_token_use builds it when a token trips)."""

from datetime import UTC, datetime

EVIDENCE_ROWS = 100  # addresses / user agents kept in an alert's evidence, busiest first


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat(timespec="seconds")


def _rows(entries: dict, label: str) -> list[dict]:
    busiest = sorted(entries.items(), key=lambda item: (-item[1][0], item[1][1]))
    return [
        {label: name, "requests": count, "first_seen": _iso(first), "last_seen": _iso(last)}
        for name, (count, first, last) in busiest[:EVIDENCE_ROWS]
    ]


def build(usage, thresholds, *, kinds, now: float, scope: str = "token") -> dict:
    """`scope`: whose use crossed the thresholds, this token's or its tester's (all tokens)."""
    return {
        "detected_at": _iso(now),
        "scope": scope,
        "window_seconds": thresholds.window_seconds,
        "triggered": [str(kind) for kind in kinds],
        "thresholds": {
            "addresses": thresholds.max_addresses,
            "requests": thresholds.max_requests,
            "user_agents": thresholds.max_user_agents,
        },
        "request_count": usage.requests,
        "address_count": len(usage.addresses),
        "addresses": _rows(usage.addresses, "address"),
        "user_agent_count": len(usage.user_agents),
        "user_agents": _rows(usage.user_agents, "user_agent"),
    }
