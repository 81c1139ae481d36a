"""supervisord event listener: one readable run log, crash reports and a bound on crash loops.

supervisord sends this process every line the others print (PROCESS_LOG) and every change of
state (PROCESS_STATE) over the event listener protocol on stdin/stdout. It writes to stderr, which
supervisord passes to the terminal:

- each line prefixed with the time and the name of the process that printed it;
- a clear notice whenever a process exits unexpectedly (supervisord restarts it at once);
- after CRASH_LIMIT unexpected exits within CRASH_WINDOW_SECONDS it stops restarting that
  process and says so, with the command that starts it again; the others keep running.
"""

import os
import sys
import time
import xmlrpc.client
from collections import defaultdict, deque
from datetime import datetime

from supervisor import childutils
from supervisor.xmlrpc import SupervisorTransport

CRASH_LIMIT = int(os.environ.get("SUPERVISE_CRASH_LIMIT", "5"))
CRASH_WINDOW_SECONDS = float(os.environ.get("SUPERVISE_CRASH_WINDOW_SECONDS", "60"))
NAME_WIDTH = 7


class Listener:
    def __init__(self, *, stdin, stdout, stderr, clock=time.monotonic, rpc=None):
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.clock = clock
        self._rpc = rpc
        self.partial: dict[str, bytes] = defaultdict(bytes)
        self.crashes: dict[str, deque] = defaultdict(deque)

    # --- the protocol (binary: `len` counts bytes) ------------------------------------------
    def serve(self) -> None:
        while True:
            self.stdout.write(b"READY\n")
            self.stdout.flush()
            header_line = self.stdin.readline()
            if not header_line:
                return  # supervisord is gone
            headers = childutils.get_headers(header_line.decode())
            payload = self.stdin.read(int(headers["len"]))
            self.stdout.write(b"RESULT 2\nOK")
            self.stdout.flush()
            self.handle(headers["eventname"], payload)

    def handle(self, event: str, payload: bytes) -> None:
        head, _, data = payload.partition(b"\n")
        fields = childutils.get_headers(head.decode())
        name = fields.get("processname", "?")
        if event.startswith("PROCESS_LOG"):
            self.print_lines(name, data)
        elif event == "PROCESS_STATE_EXITED" and fields.get("expected") == "0":
            self.crashed(name, group=fields.get("groupname", name), pid=fields.get("pid"))
        elif event == "PROCESS_STATE_FATAL":
            self.say(
                name,
                f"!! {name} could not start (it exited within seconds, several times in a row)"
                " and is not restarted; the other processes keep running."
                f" {self._advice(name, fields.get('groupname', name))}",
            )

    # --- what people read -------------------------------------------------------------------
    def print_lines(self, name: str, data: bytes) -> None:
        buffered = self.partial.pop(name, b"") + data
        *lines, rest = buffered.split(b"\n")
        if rest:
            self.partial[name] = rest
        for line in lines:
            self.say(name, line.decode(errors="replace").rstrip("\r"))

    def say(self, name: str, text: str) -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        self.stderr.write(f"{stamp} {name:<{NAME_WIDTH}} | {text}\n")
        self.stderr.flush()

    def crashed(self, name: str, *, group: str, pid: str | None) -> None:
        now = self.clock()
        crashes = self.crashes[name]
        crashes.append(now)
        while crashes and now - crashes[0] > CRASH_WINDOW_SECONDS:
            crashes.popleft()
        if len(crashes) < CRASH_LIMIT:
            self.say(name, f"!! {name} (pid {pid}) exited unexpectedly; restarting it")
            return
        self.rpc().supervisor.stopProcess(f"{group}:{name}", False)
        self.say(
            name,
            f"!! {name} crashed {len(crashes)} times within {CRASH_WINDOW_SECONDS:.0f} s: no longer"
            f" restarted; the other processes keep running. {self._advice(name, group)}",
        )
        crashes.clear()

    def rpc(self):
        if self._rpc is None:
            # childutils.getRPCInterface() has no way to pass the control socket's password.
            transport = SupervisorTransport(
                os.environ["SUPERVISE_RPC_USERNAME"],
                os.environ["SUPERVISE_RPC_PASSWORD"],
                os.environ["SUPERVISOR_SERVER_URL"],
            )
            self._rpc = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)
        return self._rpc

    @staticmethod
    def _advice(name: str, group: str) -> str:
        var_dir = os.environ.get("VAR_DIR", "var")
        return (
            f"Its log: {var_dir}/logs/{name}.log. Start it again with: .venv/bin/supervisorctl"
            f" --configuration {var_dir}/supervisord.conf start {group}:{name}"
        )


def main() -> None:
    Listener(stdin=sys.stdin.buffer, stdout=sys.stdout.buffer, stderr=sys.stderr).serve()


if __name__ == "__main__":
    main()
