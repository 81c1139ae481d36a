"""Revocations while a long audited transaction is open, in the same program and another.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/bench_audit_contention.py [--testers 10000] [--revocations 50]
                                                         [--import-rows 1000] [--hold-seconds 5]

A busy program (10,000 testers) and a quiet one. Baseline: `--revocations` token revocations
in the busy program, then the kill switch on the quiet program and on the busy one (each
resumed), with nothing else running. Contention: the same again (other tokens) while another
thread holds open an audited CSV invitation import of `--import-rows` rows in the busy program
for `--hold-seconds` (standing in for any long audited work: a payout close, an import). The
audit chain must not make any of them wait for that transaction: every figure should stay near
its baseline and the import must still be open when the last revocation returns. Ends with
audit_verify over every chain.

PostgreSQL only: SQLite has one writer for the whole database, so there every write waits for
any open write transaction, audited or not (a throwaway database, dropped at the end).
"""

import argparse
import logging
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from environment import create_database, destroy_database, prepare_environment


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--testers", type=int, default=10_000, help="default 10000")
    parser.add_argument("--revocations", type=int, default=50, help="per phase (default 50)")
    parser.add_argument("--import-rows", type=int, default=1000, help="default 1000 (max)")
    parser.add_argument("--hold-seconds", type=float, default=5.0, help="default 5")
    return parser.parse_args()


def build(args) -> dict:
    from django.contrib.auth import get_user_model

    from accessprogram.access.services import issue_token
    from accessprogram.programs.models import Membership, Program

    User = get_user_model()
    busy = Program.objects.create(name="Busy program", slug="busy")
    quiet = Program.objects.create(name="Quiet program", slug="quiet")
    users = User.objects.bulk_create(
        User(username=f"tester-{i}", email=f"tester-{i}@example.com", password="!")
        for i in range(args.testers)
    )
    memberships = Membership.objects.bulk_create(
        Membership(user=user, program=busy) for user in users
    )
    # Issued through the service (audited, like real tokens): two sets, one per phase.
    holders = memberships[: 2 * args.revocations]
    tokens = [issue_token(membership=m, name="bench").token for m in holders]
    staff = User.objects.create(username="staff", email="staff@example.com", password="!")
    manager = Membership.objects.create(user=staff, program=busy, role="program_manager")
    return {"busy": busy, "quiet": quiet, "staff": staff, "manager": manager, "tokens": tokens}


def timed(action) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def run_phase(data, tokens, *, label: str) -> dict:
    from accessprogram.access.revocation import kill_switch, resume_program
    from accessprogram.access.services import revoke_token

    staff = data["staff"]
    revokes = [
        timed(lambda token=token: revoke_token(token=token, reason=f"bench {label}", actor=staff))
        for token in tokens
    ]
    switches = {}
    for name in ("quiet", "busy"):
        program = data[name]
        switches[name] = timed(
            lambda program=program: kill_switch(program=program, reason="bench", actor=staff)
        )
        resume_program(program=program, actor=staff)
    return {"revoke": revokes, "kill_quiet": switches["quiet"], "kill_busy": switches["busy"]}


def hold_import(data, args, opened: threading.Event, state: dict) -> None:
    from django.db import connection, transaction

    from accessprogram.programs.invitations import bulk_invite

    rows = "\n".join(f"Artist {n},artist-{n}@example.com," for n in range(args.import_rows))
    try:
        with transaction.atomic():
            # First in line after COMMIT, before the import's own follow-ups (mails, links).
            transaction.on_commit(lambda: state.setdefault("closed_at", time.perf_counter()))
            began = time.perf_counter()
            bulk_invite(program=data["busy"], text=rows, actor=data["manager"].user)
            state["import_seconds"] = time.perf_counter() - began
            opened.set()
            time.sleep(args.hold_seconds)
    except Exception as error:
        state["error"] = error
        opened.set()
    finally:
        connection.close()


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> int:
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-audit-contention-"))
    prepare_environment(var_dir)
    import django

    django.setup()
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)  # "no hostname": filesystem
    from django.db import connection

    from accessprogram.audit.tasks import link_pending_records
    from accessprogram.audit.verify import verify_chain

    if connection.vendor != "postgresql":
        print("bench_audit_contention needs PostgreSQL: set DATABASE_URL (see the docstring).")
        return 2
    _, original = create_database("bench_audit_contention")
    try:
        began = time.perf_counter()
        data = build(args)
        print(f"Built {args.testers:,} testers in {time.perf_counter() - began:.1f} s")
        half = args.revocations
        baseline = run_phase(data, data["tokens"][:half], label="baseline")

        opened, state = threading.Event(), {}
        holder = threading.Thread(target=hold_import, args=(data, args, opened, state))
        holder.start()
        opened.wait()
        if "error" in state:
            raise state["error"]
        contended = run_phase(data, data["tokens"][half:], label="contention")
        finished_at = time.perf_counter()
        holder.join()
        if "error" in state:
            raise state["error"]
        # Links that found their head busy were handed to a task; no worker runs here.
        handed_over = link_pending_records()
        result = verify_chain()
    finally:
        connection.close()
        destroy_database(original)
        shutil.rmtree(var_dir, ignore_errors=True)

    open_throughout = finished_at < state["closed_at"]
    print(
        f"\nAudited import of {args.import_rows} invitations in the busy program: written in "
        f"{state['import_seconds']:.2f} s, then held open {args.hold_seconds:.1f} s"
    )
    print(f"{'':34}{'baseline':>12}{'during import':>16}{'ratio':>8}")
    for name, pick in (
        (f"revoke_token p50 (n={half})", lambda f: statistics.median(f["revoke"])),
        (f"revoke_token p99 (n={half})", lambda f: p99(f["revoke"])),
        (f"revoke_token max (n={half})", lambda f: max(f["revoke"])),
        ("kill switch, quiet program", lambda f: f["kill_quiet"]),
        ("kill switch, busy program", lambda f: f["kill_busy"]),
    ):
        before, during = pick(baseline), pick(contended)
        print(f"{name:34}{ms(before):>12}{ms(during):>16}{during / before:>7.2f}x")
    print(f"\nImport transaction still open when the last revocation returned: {open_throughout}")
    print(f"Records whose link was handed to the Celery task (head busy at commit): {handed_over}")
    print(
        f"audit_verify: {'intact' if result.ok else 'BROKEN'}, {result.records} records linked, "
        f"{result.pending} pending"
    )
    return 0 if open_throughout and result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
