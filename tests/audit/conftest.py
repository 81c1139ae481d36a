"""Fixtures to write audit records and to tamper with them as anyone with database access could."""

import pytest
from django.db import connection
from django.db.models import QuerySet

from accessprogram.audit.models import AuditChainHead, AuditRecord
from accessprogram.audit.services import record


class Tamper:
    table = AuditRecord._meta.db_table

    @staticmethod
    def rows() -> QuerySet:
        """A plain QuerySet, without the append-only guards, like any SQL client."""
        return QuerySet(model=AuditRecord)

    def sql(self, statement: str, params=()) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement.format(table=self.table), params)

    def swap_sequences(self, a: int, b: int) -> None:
        parked = 10**12  # the sequence is unique: park one record out of the way first
        self.rows().filter(sequence=a).update(sequence=parked)
        self.rows().filter(sequence=b).update(sequence=a)
        self.rows().filter(sequence=parked).update(sequence=b)

    def delete(self, sequence: int) -> None:
        self.rows().filter(sequence=sequence).delete()


@pytest.fixture
def tamper() -> Tamper:
    return Tamper()


@pytest.fixture
def make_records(program):
    """Append n records about `program` through the real service."""

    def make(n: int, **data) -> list[AuditRecord]:
        return [record(action="test.step", target=program, step=i, **data) for i in range(n)]

    return make


@pytest.fixture
def chain_head():
    return lambda: AuditChainHead.objects.get()
