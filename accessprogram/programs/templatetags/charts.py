"""Server-rendered SVG charts: no script, readable by screen readers through a data table."""

from collections.abc import Sequence
from decimal import Decimal

from django import template

register = template.Library()

_WIDTH = 560
_BAR_AREA = 180  # height of the bars' area, in SVG units
_LABEL_BAND = 36


@register.inclusion_tag("_bar_chart.html")
def bar_chart(rows: Sequence[tuple], title: str, unit: str = "", chart_id: str = "chart"):
    """A vertical bar chart of `rows` = [(label, value), ...] with a visually hidden table.

    Values may be int, float or Decimal; negative values are drawn as zero-height bars (the
    table still shows them).
    """
    rows = [(str(label), value) for label, value in rows]
    top = max((Decimal(str(value)) for _, value in rows), default=Decimal(0))
    top = top if top > 0 else Decimal(1)
    slot = _WIDTH / max(len(rows), 1)
    bars = []
    for index, (label, value) in enumerate(rows):
        height = float(max(Decimal(str(value)), Decimal(0)) / top) * _BAR_AREA
        bars.append(
            {
                "label": label,
                "value": value,
                "x": round(index * slot + slot * 0.15, 1),
                "width": round(slot * 0.7, 1),
                "y": round(_BAR_AREA - height + 16, 1),
                "height": round(height, 1),
                "value_y": round(_BAR_AREA - height + 12, 1),
                "label_x": round(index * slot + slot / 2, 1),
            }
        )
    return {
        "bars": bars,
        "title": title,
        "unit": unit,
        "chart_id": chart_id,
        "width": _WIDTH,
        "height": _BAR_AREA + 16 + _LABEL_BAND,
        "axis_y": _BAR_AREA + 16,
        "label_y": _BAR_AREA + 16 + 20,
    }
