"""The supervisord event listener: prefixed log lines, crash notices, and the crash-loop bound."""

import io

from accessprogram.runtime import watch
from accessprogram.runtime.watch import Listener


class FakeRpc:
    def __init__(self):
        self.stopped = []
        self.supervisor = self

    def stopProcess(self, name, wait):
        self.stopped.append(name)


def event(name: str, payload: bytes) -> bytes:
    header = f"ver:3.0 server:supervisor serial:1 pool:watch poolserial:1 eventname:{name} "
    return f"{header}len:{len(payload)}\n".encode() + payload


def serve(*events: bytes, clock=None, rpc=None) -> tuple[str, bytes, FakeRpc]:
    rpc = rpc or FakeRpc()
    stdout, stderr = io.BytesIO(), io.StringIO()
    listener = Listener(
        stdin=io.BytesIO(b"".join(events)),
        stdout=stdout,
        stderr=stderr,
        rpc=rpc,
        **({"clock": clock} if clock else {}),
    )
    listener.serve()
    return stderr.getvalue(), stdout.getvalue(), rpc


def log(process: str, data: bytes) -> bytes:
    head = f"processname:{process} groupname:platform pid:7 channel:stdout\n".encode()
    return event("PROCESS_LOG_STDOUT", head + data)


def exited(process: str, *, expected: int) -> bytes:
    payload = f"processname:{process} groupname:platform from_state:RUNNING expected:{expected}"
    return event("PROCESS_STATE_EXITED", f"{payload} pid:42".encode())


def test_each_line_is_prefixed_with_its_process_even_when_split_across_events():
    # "é" is two bytes: the protocol's len counts bytes, not characters.
    said, protocol, _ = serve(log("web", "caf\u00e9 one\ntw".encode()), log("web", b"o\n"))
    lines = said.splitlines()
    assert lines[0].endswith("web     | caf\u00e9 one")
    assert lines[1].endswith("web     | two")
    assert protocol.count(b"RESULT 2\nOK") == 2


def test_an_expected_exit_is_not_a_crash():
    said, _, rpc = serve(exited("worker", expected=1))
    assert said == ""
    assert rpc.stopped == []


def test_crashes_are_reported_and_a_crash_loop_is_stopped(monkeypatch):
    monkeypatch.setattr(watch, "CRASH_LIMIT", 3)
    said, _, rpc = serve(*[exited("worker", expected=0)] * 3)
    assert said.count("worker (pid 42) exited unexpectedly; restarting it") == 2
    assert "worker crashed 3 times within 60 s: no longer restarted" in said
    assert "start platform:worker" in said
    assert rpc.stopped == ["platform:worker"]


def test_crashes_spread_over_more_than_the_window_are_not_a_loop(monkeypatch):
    monkeypatch.setattr(watch, "CRASH_LIMIT", 3)
    times = iter([0.0, 61.0, 122.0, 183.0])
    said, _, rpc = serve(*[exited("beat", expected=0)] * 4, clock=lambda: next(times))
    assert said.count("exited unexpectedly; restarting it") == 4
    assert rpc.stopped == []


def test_a_process_that_cannot_start_is_reported():
    payload = b"processname:engine groupname:platform from_state:BACKOFF"
    said, _, _ = serve(event("PROCESS_STATE_FATAL", payload))
    assert "engine could not start" in said
    assert "start platform:engine" in said
