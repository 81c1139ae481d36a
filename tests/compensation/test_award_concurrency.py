"""1,000 concurrent award calls, half of them repeats of the same keys, pay exactly once each.

16 threads, each with its own database connection, share a shuffled list of calls: every one of
500 keys is asked for twice, mostly by different threads at nearly the same time. On PostgreSQL
the repeats race on the key's unique constraint; on SQLite IMMEDIATE transactions serialise the
writers. Runs unchanged on both (CI runs the suite on both).
"""

import random
import threading
from decimal import Decimal

import pytest
from django.db import connection

from accessprogram.audit.models import AuditRecord
from accessprogram.audit.verify import verify_chain
from accessprogram.compensation.models import LedgerEntry
from accessprogram.compensation.selectors import balance
from accessprogram.compensation.services import award

# Threads commit on their own connections: no test-wide transaction.
pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 16
KEYS = 500


def test_repeated_awards_from_many_threads_pay_each_key_once(tester):
    amounts = {f"bug:{n}": Decimal(f"{n % 97 + 1}.{n % 100:02d}") for n in range(KEYS)}
    calls = [*amounts.items(), *amounts.items()]
    random.Random(7).shuffle(calls)
    returned: list[tuple[str, int]] = []  # list.append is atomic
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def run(share):
        try:
            start.wait()
            for key, amount in share:
                entry = award(
                    membership=tester,
                    kind=LedgerEntry.Kind.AWARD_BUG,
                    amount=amount,
                    currency="USD",
                    idempotency_key=key,
                )
                returned.append((key, entry.pk))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    threads = [
        threading.Thread(target=run, args=(calls[index::THREADS],)) for index in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert not errors, errors[:3]
    assert len(returned) == 2 * KEYS
    assert LedgerEntry.objects.count() == KEYS
    # Both calls of a key got the same entry back.
    by_key: dict[str, set[int]] = {}
    for key, pk in returned:
        by_key.setdefault(key, set()).add(pk)
    assert all(len(pks) == 1 for pks in by_key.values())
    total = sum(amounts.values(), Decimal("0.00"))
    assert balance(membership=tester, currency="USD") == total
    assert sum(LedgerEntry.objects.values_list("amount", flat=True), Decimal("0.00")) == total
    assert AuditRecord.objects.filter(action="compensation.award").count() == KEYS
    assert verify_chain().ok
