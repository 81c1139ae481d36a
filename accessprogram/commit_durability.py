"""Bulk transactions commit without waiting for the disk; safety actions keep waiting for it.

On PostgreSQL a commit returns once its WAL is flushed to disk, and every commit shares one WAL:
a revocation committing while a payout close, an invitation import or twenty reviewers claiming
are committing too queues behind their flushes (the WALWrite/WALSync waits seen under load).
`relax_commit_durability()` turns `synchronous_commit` off for the current transaction only
(`SET LOCAL`): its commit returns before the flush, which the WAL writer does a moment later
(at most three times `wal_writer_delay`, 0.6 s by default) or the next durable commit does on
its way. Nothing is ever half-written or reordered: a crash in that window loses the bulk
transaction whole, together with every later one, and never anything after a durable commit.

That is acceptable for the work that calls it, because each is idempotent and tracked: a close
stage, a stipend run or an import that is lost is still "running" in its background operation and
is run again (stipends, top-ups and lines are unique per tester and period; an import writes
all rows or none), and a reviewer's claim is a lease that the reviewer simply takes again.

Safety actions (revocations, the kill switch, leak reports) never call it: a revocation that
returned must survive a crash, or a leaked token would work again after a restart. Their commits
stay durable, and fewer flushes from bulk work means less of it in front of theirs.

SQLite has no such setting (the embedded database runs with synchronous=NORMAL in WAL mode
throughout); there this does nothing.
"""

from django.db import transaction


def relax_commit_durability(using: str | None = None) -> bool:
    """Commit the current transaction without waiting for the WAL flush (PostgreSQL); whether
    it was applied. Call it first thing in the bulk work's own `transaction.atomic()`. Inside a
    savepoint it does nothing: the transaction belongs to a caller who may need it durable."""
    connection = transaction.get_connection(using)
    if (
        connection.vendor != "postgresql"
        or not connection.in_atomic_block
        or connection.savepoint_ids  # a nested atomic block: not this code's transaction
    ):
        return False
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
    return True


def commit_durability(using: str | None = None) -> str:
    """The current transaction's `synchronous_commit` ("on" unless relaxed; "" on SQLite)."""
    connection = transaction.get_connection(using)
    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]
