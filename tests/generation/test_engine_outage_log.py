"""An unreachable engine is logged once (then once a minute), not by every one-second sweep."""

import logging

from generation.dispatch import EngineOutage


def test_an_outage_is_said_once_then_reminded_then_its_end_is_said(caplog):
    now = [0.0]
    outage = EngineOutage(clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="generation.dispatch"):
        for second in range(0, 125):
            now[0] = float(second)
            outage.failed(ConnectionError("connection refused"))
        outage.recovered()
        outage.recovered()  # nothing more to say while it stays up
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "engine unavailable (connection refused); jobs wait until it answers",
        "engine still unavailable after 60 s (connection refused)",
        "engine still unavailable after 120 s (connection refused)",
        "engine answers again after 124 s",
    ]
    assert all(record.exc_info is None for record in caplog.records)  # no traceback floods
