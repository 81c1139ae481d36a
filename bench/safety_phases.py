"""Where a safety action spends its time: phases timed inside the process that runs it.

    phases = Phases.install()          # once, in the safety process, before its first action
    with phases.action("kill_switch"):
        kill_switch(...)
    phases.report()                    # printable lines

Every statement sent is timed and filed under its verb and table ("INSERT audit_auditrecord");
the COMMIT of the action's own transaction is "commit"; what runs after it (on_commit callbacks:
linking the audit chain, Celery sends, signals) is filed under "after commit: <callback>", with
the statements and commits inside it counted there too. The signals the revocation sends inside
its transaction get their own phase. "python" is what is left: the ORM, the service's own code.
"""

import re
import statistics
import time
from collections import defaultdict
from contextlib import contextmanager

DETAIL = "  > "  # a phase inside an after-commit callback: shown, not added to the total
_TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"?([a-z_0-9]+)"?', re.IGNORECASE)


def statement_label(sql: str) -> str:
    verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
        return "savepoint"
    table = _TABLE.search(sql)
    return f"{verb} {table.group(1) if table else ''}".strip()


def _callback_label(func) -> str:
    inner = getattr(func, "func", func)  # functools.partial(task.delay, ...)
    owner = getattr(inner, "__self__", None)
    if owner is not None and getattr(owner, "name", None):
        return f"send {owner.name}"
    return getattr(func, "__qualname__", None) or type(func).__name__


class Phases:
    def __init__(self):
        self.samples: dict[str, list[dict[str, float]]] = defaultdict(list)
        self._current: dict[str, float] | None = None
        self._stack: list[str] = []

    @classmethod
    def install(cls, signals=()) -> "Phases":
        """Wrap this process's default connection (statements, commit, on_commit callbacks) and
        the given signals' send/send_robust."""
        from django.db import connection

        phases = cls()
        connection.execute_wrappers.append(phases._statement)
        commit, run_hooks = connection._commit, connection.run_and_clear_commit_hooks

        def timed_commit():
            with phases._timed("commit"):
                return commit()

        def timed_hooks():
            connection.run_on_commit = [
                (sids, phases._wrap_callback(func), robust)
                for sids, func, robust in connection.run_on_commit
            ]
            return run_hooks()

        connection._commit = timed_commit
        connection.run_and_clear_commit_hooks = timed_hooks
        for name, signal in signals:
            for method in ("send", "send_robust"):
                original = getattr(signal, method)
                setattr(signal, method, phases._wrap(f"signal {name}", original))
        return phases

    def _wrap(self, label, func):
        def timed(*args, **kwargs):
            with self._timed(label):
                return func(*args, **kwargs)

        return timed

    def _wrap_callback(self, func):
        label = f"after commit: {_callback_label(func)}"

        def timed():
            with self._timed(label):
                return func()

        timed.__qualname__ = label
        return timed

    @contextmanager
    def _timed(self, label: str):
        """Time a phase; only the outermost counts (a signal's statements are the signal's)."""
        self._stack.append(label)
        started = time.perf_counter()
        try:
            yield
        finally:
            self._stack.pop()
            if self._current is not None:
                ms = (time.perf_counter() - started) * 1000
                if not self._stack:
                    self._current[label] += ms
                elif len(self._stack) == 1:  # a callback's own statements and commit, for detail
                    self._current[f"{DETAIL}{label}"] += ms

    def _statement(self, execute, sql, params, many, context):
        with self._timed(f"sql {statement_label(sql)}"):
            return execute(sql, params, many, context)

    @contextmanager
    def action(self, kind: str):
        self._current = defaultdict(float)
        started = time.perf_counter()
        try:
            yield
        finally:
            phases, self._current = self._current, None
            total = (time.perf_counter() - started) * 1000
            counted = sum(ms for name, ms in phases.items() if not name.startswith(DETAIL))
            phases["python"] = max(0.0, total - counted)
            phases["total"] = total
            self.samples[kind].append(dict(phases))

    def report(self, *, slow_ms: float = 50.0, show_slow: int = 5) -> list[str]:
        """Per action kind: each phase's share (mean, p99, max, ms); then the slowest actions
        broken down, to see what the tail is made of."""
        lines = []
        for kind, samples in self.samples.items():
            lines.append(f"  phases of {kind} (n={len(samples)}), ms: mean / p99 / max")
            names = sorted(
                {name for sample in samples for name in sample} - {"total"},
                key=lambda name: -sum(sample.get(name, 0.0) for sample in samples),
            )
            for name in [*names, "total"]:
                values = sorted(sample.get(name, 0.0) for sample in samples)
                p99 = values[min(len(values) - 1, round(0.99 * (len(values) - 1)))]
                lines.append(
                    f"    {name:<52} {statistics.fmean(values):7.1f} {p99:7.1f} {values[-1]:7.1f}"
                )
        slow = sorted(
            ((kind, sample) for kind, samples in self.samples.items() for sample in samples),
            key=lambda pair: -pair[1]["total"],
        )
        for kind, sample in [pair for pair in slow if pair[1]["total"] >= slow_ms][:show_slow]:
            parts = sorted(
                ((name, ms) for name, ms in sample.items() if name != "total" and ms >= 1.0),
                key=lambda pair: -pair[1],
            )
            detail = ", ".join(f"{name} {ms:.0f}" for name, ms in parts)
            lines.append(f"  slow {kind} {sample['total']:.0f} ms: {detail}")
        return lines
