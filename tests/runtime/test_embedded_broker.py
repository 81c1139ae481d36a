"""The embedded broker's delivery rules, through kombu's public API (as Celery uses it):
an ack removes a message, a requeue or a consumer's shutdown hands it back, a reject or an
unreadable row sets it aside, a dead consumer's claims go to the next one."""

import contextlib
import logging
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kombu import Connection

from processes import Process, wait_until

TRANSPORT = "accessprogram.runtime.broker:Transport"


def connect(path: Path, **transport_options) -> Connection:
    return Connection(f"sqlite:///{path}", transport=TRANSPORT, transport_options=transport_options)


def rows(path: Path, query: str, *params) -> list:
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection:
        return connection.execute(query, params).fetchall()


@pytest.fixture
def broker(tmp_path) -> Path:
    return tmp_path / "broker.sqlite3"


def test_an_acknowledged_message_is_delivered_once_and_removed(broker):
    with connect(broker) as connection:
        queue = connection.SimpleQueue("jobs")
        queue.put({"n": 1})
        message = queue.get(timeout=30)
        assert message.payload == {"n": 1}
        message.ack()
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.2)
    assert rows(broker, "SELECT COUNT(*) FROM kombu_message") == [(0,)]
    assert rows(broker, "SELECT COUNT(*) FROM kombu_claim") == [(0,)]


def test_messages_come_out_in_the_order_they_went_in(broker):
    with connect(broker) as connection:
        queue = connection.SimpleQueue("jobs")
        for n in range(5):
            queue.put({"n": n})
        received = []
        for _ in range(5):
            message = queue.get(timeout=30)
            received.append(message.payload["n"])
            message.ack()
    assert received == [0, 1, 2, 3, 4]


def test_a_requeued_message_is_delivered_again(broker):
    with connect(broker) as connection:
        queue = connection.SimpleQueue("jobs")
        queue.put({"n": 1})
        queue.get(timeout=10).requeue()
        again = queue.get(timeout=10)
        assert again.payload == {"n": 1}
        again.ack()
    assert rows(broker, "SELECT COUNT(*) FROM kombu_message") == [(0,)]


def test_unacknowledged_messages_go_back_when_the_consumer_shuts_down(broker):
    with connect(broker) as connection:
        queue = connection.SimpleQueue("jobs")
        queue.put({"n": 1})
        assert queue.get(timeout=10).payload == {"n": 1}  # never acked
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.2)  # claimed: nobody else gets it meanwhile
        queue.close()
    with connect(broker) as connection:
        message = connection.SimpleQueue("jobs").get(timeout=10)
        assert message.payload == {"n": 1}
        message.ack()


def test_a_rejected_message_is_set_aside_with_a_log_line(broker, caplog):
    with connect(broker) as connection:
        queue = connection.SimpleQueue("jobs")
        queue.put({"n": 1})
        with caplog.at_level(logging.ERROR, logger="accessprogram.runtime.broker"):
            queue.get(timeout=10).reject()
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.2)
    [(queue_name, reason, payload)] = rows(
        broker, "SELECT queue, reason, payload FROM kombu_dead_letter"
    )
    assert (queue_name, reason) == ("jobs", "rejected by the consumer")
    assert '"delivery_tag"' in payload
    assert "set aside in kombu_dead_letter" in caplog.text


# Anything at all in a message row: text, JSON of any shape, bytes that are not UTF-8.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=10,
)
garbage = st.text(max_size=200) | st.binary(max_size=200) | json_values.map(repr)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payloads=st.lists(garbage, min_size=1, max_size=5))
def test_unreadable_rows_are_set_aside_and_the_next_message_still_arrives(payloads):
    with tempfile.TemporaryDirectory() as directory:
        broker = Path(directory) / "broker.sqlite3"
        with connect(broker) as connection:
            queue = connection.SimpleQueue("jobs")
            queue_id = rows(broker, "SELECT id FROM kombu_queue WHERE name = 'jobs'")[0][0]
            with contextlib.closing(sqlite3.connect(broker)) as writer:
                writer.executemany(
                    "INSERT INTO kombu_message (queue_id, visible, payload, version) "
                    "VALUES (?, 1, ?, 1)",
                    [(queue_id, payload) for payload in payloads],
                )
                writer.commit()
            queue.put({"n": "good"})
            message = queue.get(timeout=30)
            assert message.payload == {"n": "good"}
            message.ack()
        assert rows(broker, "SELECT COUNT(*) FROM kombu_dead_letter") == [(len(payloads),)]
        assert rows(broker, "SELECT COUNT(*) FROM kombu_message") == [(0,)]


CLAIM_AND_HOLD = """
import sys, time
from kombu import Connection
connection = Connection(sys.argv[1], transport=sys.argv[2])
message = connection.SimpleQueue("jobs").get(timeout=30)
print("claimed", message.payload, flush=True)
time.sleep(600)
"""


def test_the_claims_of_a_killed_consumer_go_to_the_next_one(broker, tmp_path):
    with connect(broker) as connection:
        queue = connection.SimpleQueue("jobs")
        queue.put({"n": 1})
        holder = Process(
            [sys.executable, "-c", CLAIM_AND_HOLD, f"sqlite:///{broker}", TRANSPORT],
            env=dict(os.environ),
            log=tmp_path / "holder.log",
        )
        try:
            wait_until(lambda: "claimed" in holder.tail(), timeout=60, what=holder.tail())
            # While its consumer lives, a claimed message is nobody else's.
            with pytest.raises(queue.Empty):
                queue.get(timeout=3)
            holder.kill()
            message = queue.get(timeout=30)
        finally:
            holder.stop()
        assert message.payload == {"n": 1}
        message.ack()
    assert rows(broker, "SELECT COUNT(*) FROM kombu_message") == [(0,)]


def test_polling_interval_is_a_transport_option_not_an_engine_argument(broker):
    """kombu's own SQLAlchemy transport passed it on to create_engine(), which crashed."""
    with connect(broker, polling_interval=0.01) as connection:
        assert connection.transport.polling_interval == 0.01
        queue = connection.SimpleQueue("jobs")
        queue.put({"n": 1})
        queue.get(timeout=10).ack()


def test_the_broker_file_is_in_wal_mode(broker):
    with connect(broker) as connection:
        connection.SimpleQueue("jobs").put({"n": 1})
    assert rows(broker, "PRAGMA journal_mode") == [("wal",)]
