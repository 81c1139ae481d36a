"""Run the Procfile's processes under supervisord: `python -m accessprogram.runtime.supervise`.

The Procfile stays the one list of processes (production runs each under systemd or a container
runtime instead). This module turns it into a supervisord configuration in VAR_DIR and replaces
itself with supervisord in the foreground, so that:

- a process that exits unexpectedly is restarted at once while the others keep serving;
- a process that crash-loops is stopped and reported (see accessprogram.runtime.watch);
- every line a process prints reaches the terminal prefixed with its name, and its own log file
  (VAR_DIR/logs/NAME.log);
- Ctrl-C stops everything cleanly (children run in their own process groups, so only
  supervisord gets the SIGINT and then stops each of them in turn).

`${NAME:-default}` in a Procfile command is filled from the environment, as a shell would.
"""

import argparse
import contextlib
import fcntl
import hashlib
import os
import re
import secrets
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
GROUP = "platform"  # one group: supervisord stops its members together, not one after another
SOCKET_PATH_LIMIT = 100  # AF_UNIX paths are limited to 107 bytes on Linux
_VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")

# Restart policy. A process that dies within STARTSECS of starting counts as a failed start; after
# STARTRETRIES of those supervisord gives up on it (FATAL). One that crashes later is restarted at
# once; the watcher stops restarting it after CRASH_LIMIT crashes within CRASH_WINDOW_SECONDS.
STARTSECS = 2
STARTRETRIES = 5
STOPWAITSECS = 15


@dataclass(frozen=True)
class ProcfileEntry:
    name: str
    command: str


def read_procfile(path: Path) -> list[ProcfileEntry]:
    entries = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, separator, command = line.partition(":")
        if not separator or not re.fullmatch(r"[a-z][a-z0-9_-]*", name.strip()):
            raise ValueError(f"{path}: not a 'name: command' line: {line!r}")
        entries.append(ProcfileEntry(name=name.strip(), command=command.strip()))
    return entries


def expand(command: str, environ: dict[str, str]) -> str:
    """Fill `${NAME}` and `${NAME:-default}` from the environment, as a shell would."""
    return _VARIABLE.sub(lambda match: environ.get(match[1]) or (match[2] or ""), command)


def procfile_command(
    name: str, *, environ: dict[str, str], procfile: Path = ROOT / "Procfile"
) -> list[str]:
    """One Procfile entry as an argv, for benches that start the real processes themselves.

    Relative paths (`.venv/bin/...`) are relative to the repository, the Procfile's directory.
    """
    for entry in read_procfile(procfile):
        if entry.name == name:
            return shlex.split(expand(entry.command, environ))
    raise KeyError(f"{procfile} has no {name!r} process")


def _socket_path(var_dir: Path) -> Path:
    path = var_dir / "supervisor.sock"
    if len(str(path)) <= SOCKET_PATH_LIMIT:
        return path
    digest = hashlib.sha256(str(var_dir).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"eap-supervisor-{digest}.sock"


def _escape(value: str) -> str:
    """supervisord expands %(name)s in its values: a literal % is written %%."""
    return value.replace("%", "%%")


def render_config(
    entries: list[ProcfileEntry], *, var_dir: Path, environ: dict[str, str], cwd: Path = ROOT
) -> str:
    logs = var_dir / "logs"
    socket = _socket_path(var_dir)
    # The control socket is private to this user (chmod 0700) and asks for a password as well.
    password = secrets.token_urlsafe(16)
    sections = [
        "[supervisord]",
        "nodaemon=true",
        *(["user=root"] if os.geteuid() == 0 else []),  # says it is deliberate (no warning)
        f"logfile={_escape(str(logs / 'supervisord.log'))}",
        f"pidfile={_escape(str(var_dir / 'supervisord.pid'))}",
        f"childlogdir={_escape(str(logs))}",
        "loglevel=warn",
        "",
        "[unix_http_server]",
        f"file={_escape(str(socket))}",
        "chmod=0700",
        "username=supervise",
        f"password={password}",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{_escape(str(socket))}",
        "username=supervise",
        f"password={password}",
        "",
        f"[group:{GROUP}]",
        f"programs={','.join(entry.name for entry in entries)}",
        "",
        # Prints every process's lines with its name, reports crashes and stops crash loops.
        "[eventlistener:watch]",
        f"command={_escape(sys.executable)} -m accessprogram.runtime.watch",
        f"directory={_escape(str(cwd))}",
        "events=PROCESS_LOG,PROCESS_STATE",
        f'environment=SUPERVISE_RPC_USERNAME="supervise",SUPERVISE_RPC_PASSWORD="{password}"',
        "stdout_logfile=NONE",
        "buffer_size=4096",
        "autorestart=true",
        "stderr_logfile=/dev/stdout",
        "stderr_logfile_maxbytes=0",
        "",
    ]
    for entry in entries:
        sections += [
            f"[program:{entry.name}]",
            f"command={_escape(expand(entry.command, environ))}",
            f"directory={_escape(str(cwd))}",
            "autostart=true",
            "autorestart=true",
            f"startsecs={STARTSECS}",
            f"startretries={STARTRETRIES}",
            f"stopwaitsecs={STOPWAITSECS}",
            # SIGTERM to the main process alone lets gunicorn and Celery shut down warmly; one that
            # has not stopped after STOPWAITSECS is killed with its children.
            "stopasgroup=false",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={_escape(str(logs / f'{entry.name}.log'))}",
            "stdout_logfile_maxbytes=10MB",
            "stdout_logfile_backups=3",
            "stdout_events_enabled=true",
            "",
        ]
    return "\n".join(sections)


def _append_to_output_files() -> None:
    """`make run > run.log` must keep every line.

    supervisord writes its own lines through fd 1 but opens /dev/stdout anew for the watcher's.
    Two writers of one file at two offsets overwrite each other unless both append.
    """
    for fd in (1, 2):
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_APPEND)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procfile", type=Path, default=ROOT / "Procfile")
    parser.add_argument(
        "--only", default="", help="comma-separated process names to run (default: all)"
    )
    args = parser.parse_args(argv)

    var_dir = Path(os.environ.get("VAR_DIR", ROOT / "var")).resolve()
    (var_dir / "logs").mkdir(parents=True, exist_ok=True)
    entries = read_procfile(args.procfile)
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {entry.name for entry in entries}
        if unknown:
            parser.error(f"not in {args.procfile}: {', '.join(sorted(unknown))}")
        entries = [entry for entry in entries if entry.name in wanted]

    os.environ["VAR_DIR"] = str(var_dir)  # every process and the watcher use the same folder
    config = var_dir / "supervisord.conf"
    config.touch(mode=0o600)  # it holds the control socket's password
    config.write_text(render_config(entries, var_dir=var_dir, environ=dict(os.environ)))
    _append_to_output_files()
    supervisord = Path(sys.executable).with_name("supervisord")
    # supervisord takes this process's place, so Ctrl-C and signals reach it directly.
    os.execv(supervisord, [str(supervisord), "--configuration", str(config), "--nodaemon"])  # noqa: S606


if __name__ == "__main__":
    main()
