"""Anomaly counts a process holds between its reads of the shared cache.

The detector (anomalies._record_use) read a tester's minute buckets and wrote one back on every
request: on the embedded disk cache four SQLite reads and a write transaction, the largest part
of a token request's own cost. A process now keeps the entries it last read ("found") and counts
its own requests in memory ("pending"); it reads the shared counts and writes its pending ones
(one get_many and one set, as before) when
- SYNC_SECONDS have passed since it last did, or a new minute bucket began;
- the request comes from an address or user agent not among the counts it holds, so a spread
  of addresses or agents is seen across processes on the very request, as before;
- the counts it holds, its own included, cross a threshold: a suspension is always decided on
  freshly read shared counts.
Within one process every count stays exact; requests served by another process are seen up to
SYNC_SECONDS late. Pending counts are written into the bucket of the read that sends them, so
at most SYNC_SECONDS of requests made just before a minute boundary count in the next minute.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

SYNC_SECONDS = 1.0
HELD_MEMBERSHIPS = 10_000  # the least recently used are dropped, with any counts not yet sent


@dataclass
class Held:
    """What one process holds for one membership's counts (guard every use with `lock`)."""

    found: dict = field(default_factory=dict)  # shared entries as last read, own write merged
    pending: dict | None = None  # counted here since, not yet written
    synced_at: float = float("-inf")
    bucket: int | None = None
    addresses: frozenset = frozenset()
    user_agents: frozenset = frozenset()
    lock: threading.Lock = field(default_factory=threading.Lock)

    def may_skip_read(self, *, now: float, bucket: int, address: str, user_agent: str) -> bool:
        return (
            0 <= now - self.synced_at < SYNC_SECONDS
            and bucket == self.bucket
            and address in self.addresses
            and user_agent in self.user_agents
        )


_held: OrderedDict[str, Held] = OrderedDict()
_lock = threading.Lock()


def held(key: str) -> Held:
    """This process's Held for a membership's count key, made on first use."""
    with _lock:
        state = _held.get(key)
        if state is None:
            state = _held[key] = Held()
            if len(_held) > HELD_MEMBERSHIPS:
                _held.popitem(last=False)
        else:
            _held.move_to_end(key)
        return state


def drop(key: str) -> None:
    """Forget what this process holds for the key (its counts were reset)."""
    with _lock:
        _held.pop(key, None)


def fold(into: dict, counted: dict, *, address_limit: int, agent_limit: int) -> None:
    """Add the counts of `counted` (an entry: "n" requests, "a" addresses, "u" user agents and
    under "t" the same per token) to the entry `into`, in place; past a limit no new address
    or agent is kept (the token trips anyway), so memory stays bounded."""
    into["n"] += counted["n"]
    _fold_names(into["a"], counted["a"], limit=address_limit)
    _fold_names(into["u"], counted["u"], limit=agent_limit)
    if "t" in counted:
        tokens = into["t"] = into.get("t") or {}
        for name, entry in counted["t"].items():
            fold(
                tokens.setdefault(name, {"n": 0, "a": {}, "u": {}}),
                entry,
                address_limit=address_limit,
                agent_limit=agent_limit,
            )


def _fold_names(into: dict, counted: dict, *, limit: int) -> None:
    for name, (count, first, last) in counted.items():
        if name in into:
            seen = into[name]
            into[name] = [seen[0] + count, min(seen[1], first), max(seen[2], last)]
        elif len(into) < limit:
            into[name] = [count, first, last]
