"""Set-based writes for the money path: `INSERT ... SELECT` built from ORM querysets.

A close, a stipend run or a top-up run writes one row per tester. Written one at a time they
cost a handful of queries per tester and hold every row in memory; written as one
`INSERT ... SELECT` the database does the work in one statement, whatever the number of testers,
and nothing passes through Python. The ORM has no INSERT ... SELECT, so this module compiles the
SELECT with the ORM (the same SQL on SQLite and PostgreSQL) and wraps it.

Amounts are summed as integer cents (see selectors.sum_amounts for why) and turned back into
money only when written.
"""

from django.db import connection
from django.db.models import BigIntegerField, DecimalField, F, Func, QuerySet, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round

from .models import MONEY, LedgerEntry


def created_now():
    """The `created_at` a ledger row written now gets (the field's default, so tests that move
    the clock move bulk writes too)."""
    return LedgerEntry._meta.get_field("created_at").get_default()


def cents(field: str = "amount") -> Cast:
    """`field` as whole cents, an integer on both backends."""
    return Cast(Round(F(field) * 100), BigIntegerField())


def sum_cents(field: str = "amount") -> Coalesce:
    return Coalesce(Sum(cents(field)), Value(0), output_field=BigIntegerField())


class CentsToMoney(Func):
    """Integer cents back to an amount: exact numeric on PostgreSQL; on SQLite the same REAL a
    Decimal parameter would have been stored as (the column has NUMERIC affinity)."""

    template = "((%(expressions)s) / 100.0)"
    output_field = DecimalField(**MONEY)


def plan_without_jit() -> None:
    """No JIT compilation for the rest of the transaction (PostgreSQL).

    The set-based statements aggregate a subquery per tester; their cost estimates run into the
    millions, far past `jit_above_cost`, so PostgreSQL compiles them to machine code first. At
    10,000 testers that compilation took 1.6 of the top-up statement's 2.2 s (EXPLAIN ANALYZE),
    to save nothing: each subquery is a few index reads. SQLite has no JIT."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def avoid_nested_loops() -> None:
    """Join by hashing (or merging) for the rest of the transaction (PostgreSQL), for a statement
    joining every entry of a program whose row estimates the planner cannot get right."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_nestloop = off")


def insert_from_select(
    model, queryset: QuerySet, columns: dict, *, skip_conflicts: bool = True
) -> int:
    """`INSERT INTO model (columns) SELECT ... ON CONFLICT DO NOTHING`; the number of rows written.

    `columns` maps each column's attname to an expression over `queryset`'s rows. Rows that
    collide with a unique constraint are skipped, never half-written: a re-run writes nothing.
    With skip_conflicts=False (a SELECT that already leaves out every row written before, under
    a lock) a plain INSERT: no speculative insertion per row, and a collision is an error.
    """
    aliases = {f"col_{index}": expression for index, expression in enumerate(columns.values())}
    select = queryset.order_by().annotate(**aliases).values_list(*aliases)
    sql, params = select.query.get_compiler(connection=connection).as_sql()
    names = ", ".join(
        connection.ops.quote_name(model._meta.get_field(attname).column) for attname in columns
    )
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        on_conflict = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
        cursor.execute(f"INSERT INTO {table} ({names}) {sql}{on_conflict}", params)
        return cursor.rowcount
