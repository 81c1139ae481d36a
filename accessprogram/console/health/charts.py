"""A daily series and its drawing: small server-rendered SVG bar charts (no script).

Every chart is drawn from a Series of (day, value) points, one per UTC day of the window, and is
read by screen readers from its title and description and from the table beside it.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.utils.html import format_html_join

WIDTH = 280  # SVG units; the chart scales to its box
HEIGHT = 56
GAP = 0.2  # of each day's slot, between bars


def day_label(day: datetime.date) -> str:
    """ "Mon 3 Dec": formatted here once per day, not by a template filter per bar and row."""
    return f"{day:%a} {day.day} {day:%b}"


@dataclass(frozen=True)
class Bar:
    day: datetime.date
    label: str
    value: int | Decimal | float
    x: float
    y: float
    width: float
    height: float
    today: bool


@dataclass(frozen=True)
class Series:
    """`label` per day over the window, oldest day first; `unit` follows each value."""

    label: str
    points: tuple[tuple[datetime.date, int | Decimal | float], ...]
    unit: str = ""

    @property
    def total(self):
        return sum(value for _, value in self.points)

    @property
    def peak(self) -> tuple[datetime.date, int | Decimal | float] | None:
        top = max(self.points, key=lambda point: point[1], default=None)
        return top if top and top[1] > 0 else None

    @property
    def first_day(self) -> datetime.date | None:
        return self.points[0][0] if self.points else None

    @property
    def last_day(self) -> datetime.date | None:
        return self.points[-1][0] if self.points else None

    @cached_property
    def bars(self) -> list[Bar]:
        top = max((Decimal(str(value)) for _, value in self.points), default=Decimal(0))
        top = top if top > 0 else Decimal(1)
        slot = WIDTH / max(len(self.points), 1)
        drawn = []
        for index, (day, value) in enumerate(self.points):
            # A day with something gets at least a sliver, so "1" never looks like "0".
            share = max(Decimal(str(value)), Decimal(0)) / top
            height = max(float(share) * (HEIGHT - 2), 1.5 if share > 0 else 0)
            drawn.append(
                Bar(
                    day=day,
                    label=day_label(day),
                    value=value,
                    x=round(index * slot + slot * GAP / 2, 2),
                    y=round(HEIGHT - height, 2),
                    width=round(slot * (1 - GAP), 2),
                    height=round(height, 2),
                    today=index == len(self.points) - 1,
                )
            )
        return drawn

    @property
    def newest_first(self) -> list[Bar]:
        """The bars for the table beside the chart: today first."""
        return self.bars[::-1]

    # The two loops of a chart, joined here: a 30-day page draws 16 charts of 30 bars and as
    # many table rows, and a template loop over them cost most of the page's time.

    @cached_property
    def rects_html(self) -> str:
        """The SVG bars, each with its day and value as a tooltip."""
        unit = f" {self.unit}" if self.unit else ""
        return format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}" class="trend-bar{}">'
            "<title>{}: {}{}</title></rect>",
            (
                (b.x, b.y, b.width, b.height, " today" if b.today else "", b.label, b.value, unit)
                for b in self.bars
            ),
        )

    @cached_property
    def rows_html(self) -> str:
        """The table's rows, today first."""
        return format_html_join(
            "",
            '<tr><th scope="row">{}</th><td class="num">{}</td></tr>',
            ((b.label, b.value) for b in self.newest_first),
        )

    @property
    def width(self) -> int:
        return WIDTH

    @property
    def height(self) -> int:
        return HEIGHT
