"""Waits written for people: "45 s", "12 min", "3 h 5 min", "2 d 4 h"."""

import datetime


def duration_text(wait: datetime.timedelta | None) -> str:
    if wait is None:
        return "none"
    seconds = max(int(wait.total_seconds()), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"
