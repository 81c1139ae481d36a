"""Fixtures to write audit records and to tamper with them as anyone with database access could."""

import pytest
from django.db import connection
from django.db.models import QuerySet

from accessprogram.audit.models import AuditChain, AuditRecord, chain_for
from accessprogram.audit.services import record


class Tamper:
    table = AuditRecord._meta.db_table

    @staticmethod
    def rows(chain: str | None = None) -> QuerySet:
        """A plain QuerySet, without the append-only guards, like any SQL client."""
        rows = QuerySet(model=AuditRecord)
        return rows.filter(chain=chain) if chain else rows

    def sql(self, statement: str, params=()) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement.format(table=self.table), params)

    def swap_sequences(self, a: int, b: int, *, chain: str) -> None:
        parked = 10**12  # (chain, sequence) is unique: park one record out of the way first
        self.rows(chain).filter(sequence=a).update(sequence=parked)
        self.rows(chain).filter(sequence=b).update(sequence=a)
        self.rows(chain).filter(sequence=parked).update(sequence=b)

    def delete(self, sequence: int, *, chain: str) -> None:
        self.rows(chain).filter(sequence=sequence).delete()


@pytest.fixture
def tamper() -> Tamper:
    return Tamper()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block's on-commit callbacks (the audit links) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def make_records(program, committed):
    """Append n records about `program` through the real service, linked as after a commit."""

    def make(n: int, **data) -> list[AuditRecord]:
        with committed():
            pks = [record(action="test.step", target=program, step=i, **data).pk for i in range(n)]
        return list(AuditRecord.objects.filter(pk__in=pks).order_by("sequence"))

    return make


@pytest.fixture
def program_chain(program) -> str:
    return chain_for(program.slug)


@pytest.fixture
def chain_head(program_chain):
    return lambda chain=program_chain: AuditChain.objects.get(pk=chain)
