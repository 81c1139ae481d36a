"""A worker killed (SIGKILL) in the middle of a task: the embedded broker delivers the task
again to the next worker (tasks are idempotent), so it is never lost, and completes once."""

import pytest

from processes import wait_until

pytestmark = pytest.mark.e2e


def test_a_task_claimed_by_a_killed_worker_runs_on_the_next_one(embedded_broker, tmp_path):
    first = embedded_broker.start_worker(tmp_path / "first.log", name="first")
    second = None

    def starts() -> int:
        return embedded_broker.count(embedded_broker.ledger, "SELECT COUNT(*) FROM starts")

    try:
        embedded_broker.publish(
            "broker_probe.record_delivery",
            ledger=str(embedded_broker.ledger),
            key="held",
            sent_at=0,
            hold_first_start_seconds=3600,  # the first run never finishes by itself
        )
        wait_until(lambda: starts() == 1, timeout=120, what=f"the task\n{first.tail()}")
        first.kill()  # the whole process group, consumer and pool: no ack, no clean-up
        assert embedded_broker.count(embedded_broker.path, "SELECT COUNT(*) FROM kombu_claim") == 1

        second = embedded_broker.start_worker(tmp_path / "second.log", name="second")

        def completed() -> bool:
            return embedded_broker.count(
                embedded_broker.ledger, "SELECT COUNT(*) FROM deliveries WHERE key = 'held'"
            )

        wait_until(completed, timeout=120, what=f"the task to run again\n{second.tail()}")
        wait_until(
            lambda: (
                embedded_broker.count(embedded_broker.path, "SELECT COUNT(*) FROM kombu_message")
                == 0
            ),
            timeout=60,
            what="the ack",
        )
        assert starts() == 2
        assert embedded_broker.count(embedded_broker.ledger, "SELECT COUNT(*) FROM duplicates") == 0
        assert embedded_broker.count(embedded_broker.path, "SELECT COUNT(*) FROM kombu_claim") == 0
        assert "queued again" in second.log.read_text(errors="replace")
        assert second.alive()
    finally:
        first.stop()
        if second is not None:
            second.stop()
