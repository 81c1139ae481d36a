"""Leak alerts, leak reports and blocks in force: what protects a program right now."""

from dataclasses import dataclass, field

from django.db.models import Count

from accessprogram.access.blocks import LEVELS_BROADEST_FIRST, blocks_in_force
from accessprogram.access.models import AccessBlock, LeakAlert, LeakReport

from .charts import Series
from .trends import Window, daily, series


@dataclass(frozen=True)
class Safety:
    open_alerts: int
    open_reports: int
    blocks: dict[str, int] = field(default_factory=dict)  # level -> blocks in force
    paused: bool = False  # the kill switch (a program-level block) is in force
    pause: dict | None = None  # its reason, start and expected end, for the banner
    alerts_trend: Series | None = None
    reports_trend: Series | None = None

    @property
    def blocks_in_force(self) -> int:
        return sum(self.blocks.values())

    @property
    def blocks_by_level(self) -> list[tuple[str, int]]:
        """(level label, count), broadest first, every level listed."""
        labels = dict(AccessBlock.Level.choices)
        return [(labels[level], self.blocks.get(level, 0)) for level in LEVELS_BROADEST_FIRST]


def safety(*, program_ids, window: Window, open_items: dict) -> dict[int, Safety]:
    """Three GROUP BY queries (blocks in force by level, the alerts and reports of each day) and
    one for the kill switches in force; `open_items` is counters.open_counts of the programs."""
    blocks: dict[int, dict[str, int]] = {}
    for program_id, level, n in (
        blocks_in_force(now=window.now)
        .filter(program_id__in=program_ids)
        .order_by()
        .values("program_id", "level")
        .annotate(n=Count("id"))
        .values_list("program_id", "level", "n")
    ):
        blocks.setdefault(program_id, {})[level] = n
    pauses = {
        row["program_id"]: row
        for row in blocks_in_force(now=window.now)
        .filter(program_id__in=program_ids, level=AccessBlock.Level.PROGRAM)
        .order_by("created_at")
        .values("program_id", "reason", "created_at", "expected_back_at")
    }
    alerts = LeakAlert.objects.filter(program_id__in=program_ids)
    reports = LeakReport.objects.filter(program_id__in=program_ids)
    alerted = daily(alerts, field="detected_at", window=window, n=Count("id"))
    reported = daily(reports, field="reported_at", window=window, n=Count("id"))
    return {
        pk: Safety(
            open_alerts=open_items[pk]["open_alerts"],
            open_reports=open_items[pk]["open_reports"],
            blocks=blocks.get(pk, {}),
            paused=bool(blocks.get(pk, {}).get(AccessBlock.Level.PROGRAM)),
            pause=pauses.get(pk),
            alerts_trend=series(alerted, pk, "n", window=window, label="Leak alerts"),
            reports_trend=series(reported, pk, "n", window=window, label="Leak reports"),
        )
        for pk in program_ids
    }
