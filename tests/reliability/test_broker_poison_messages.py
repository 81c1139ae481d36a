"""Unreadable messages in the embedded broker are logged and set aside; the worker lives on.

kombu's filesystem broker died on one (`Unrecoverable error: JSONDecodeError('Expecting value:
line 1 column 1 (char 0)')`): a half-written message file read by the consumer.
"""

import pytest

from processes import wait_until

pytestmark = pytest.mark.e2e

# What a torn write or a foreign writer can leave in the message table.
CORRUPT_PAYLOADS = [
    "",  # the filesystem broker's fatal case: an empty message
    '{"body": "eyJ0YXNr',  # cut off mid-write
    '["not", "a", "message"]',  # JSON, but no kombu envelope
    '{"body": "a", "properties": {"body_encoding": "base64", "delivery_tag": "x"}}',  # no base64
]


def test_corrupt_rows_and_unknown_tasks_are_set_aside_and_the_next_task_runs(
    embedded_broker, tmp_path
):
    broker, ledger = embedded_broker.path, embedded_broker.ledger
    worker = embedded_broker.start_worker(tmp_path / "worker.log")

    def probe(key: str) -> None:
        embedded_broker.publish(
            "broker_probe.record_delivery", ledger=str(ledger), key=key, sent_at=0
        )

    def dead_letters(where: str = "1", *params) -> int:
        return embedded_broker.count(
            broker,
            f"SELECT COUNT(*) FROM kombu_dead_letter WHERE {where}",  # noqa: S608 (test's own)
            *params,
        )

    try:
        probe("before")  # also creates the queue's row, which the corrupt rows join
        for payload in CORRUPT_PAYLOADS:
            embedded_broker.execute(
                "INSERT INTO kombu_message (queue_id, visible, payload, version) "
                "VALUES ((SELECT id FROM kombu_queue WHERE name = 'celery'), 1, ?, 1)",
                payload,
            )
        embedded_broker.publish("accessprogram.no_such_task", token="x")
        probe("after")

        def delivered() -> bool:
            assert worker.alive(), worker.tail()
            return embedded_broker.count(ledger, "SELECT COUNT(*) FROM deliveries") == 2

        wait_until(delivered, timeout=120, what=f"the tasks around the poison\n{worker.tail()}")
        set_aside = len(CORRUPT_PAYLOADS) + 1  # and the unknown task, rejected by Celery
        wait_until(lambda: dead_letters() == set_aside, timeout=60, what="the dead letters")
        for payload in CORRUPT_PAYLOADS:
            assert dead_letters("payload = ? AND reason LIKE 'unreadable message: %'", payload)
        assert dead_letters("reason = 'rejected by the consumer' AND payload LIKE '%no_such_task%'")
        assert embedded_broker.count(broker, "SELECT COUNT(*) FROM kombu_message") == 0
        log = worker.log.read_text(errors="replace")
        assert log.count("set aside in kombu_dead_letter") == set_aside
        assert "Unrecoverable error" not in log
        assert worker.alive()
    finally:
        worker.stop()
