"""CLI entry point: ``python -m generation.engine [--host H] [--port P] [--slots N] ...``."""

from __future__ import annotations

import argparse
import signal
import socket
import sys

import uvicorn

from .app import create_app, settings_from_env


class _Server(uvicorn.Server):
    """Announces the real bound address (port 0 works) once the socket is listening."""

    slots = 0

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            print(f"engine listening on http://{host}:{port} ({self.slots} slots)", flush=True)


def main(argv: list[str] | None = None) -> int:
    env = settings_from_env()
    parser = argparse.ArgumentParser(
        prog="python -m generation.engine",
        description="Run the reference video engine. Defaults come from ENGINE_* env vars.",
    )
    parser.add_argument("--host", default=env["host"])
    parser.add_argument("--port", type=int, default=env["port"])
    parser.add_argument("--slots", type=int, default=env["slots"])
    parser.add_argument(
        "--speed",
        type=float,
        default=env["seconds_per_video_second"],
        help="minimum wall seconds per second of video (0 = as fast as possible)",
    )
    parser.add_argument("--secret", default=env["secret"])
    parser.add_argument("--output-dir", default=env["output_dir"])
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    if args.slots < 1 or args.speed < 0:
        parser.error("--slots must be >= 1 and --speed >= 0")

    app = create_app(
        secret=args.secret,
        slots=args.slots,
        seconds_per_video_second=args.speed,
        output_dir=args.output_dir,
    )
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        lifespan="on",
        timeout_graceful_shutdown=5,  # don't let a slow download block shutdown forever
    )
    server = _Server(config)
    server.slots = args.slots

    # uvicorn shuts down gracefully on SIGINT/SIGTERM and then re-raises the signal into
    # the handlers that were installed before it started. Make those handlers just
    # request exit, so a graceful stop ends with status 0 instead of a KeyboardInterrupt
    # traceback or a death-by-SIGTERM status.
    def request_exit(signum: int, frame: object) -> None:
        server.should_exit = True

    signal.signal(signal.SIGINT, request_exit)
    signal.signal(signal.SIGTERM, request_exit)
    try:
        server.run()
    finally:
        app.state.registry.shutdown()  # idempotent; covers exits that skipped lifespan
    return 0 if server.started else 1


if __name__ == "__main__":
    sys.exit(main())
