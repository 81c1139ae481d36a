"""One-row querysets compiled to SQL once per database connection, then run with fresh values.

Building and compiling a queryset with correlated subqueries costs the ORM a millisecond or more
per request, many times what the database takes to run it, while the SQL never changes: only a
few values do (a token digest, the time, a video id). `PreparedLookup(model, build, markers)`
compiles `build(**markers)` once with marker values, finds where each marker sits among the SQL
parameters, and on each call puts the real values there and turns the row into model instances
the way QuerySet iteration does (select_related objects, annotations). Should a marker not be
found, every call runs the ORM as is, so a change to `build` can cost speed, never correctness.

Used on the hot paths of the tester API: the token lookup of every request
(accessprogram.access.selectors) and the video a status poll reads (generation.selectors).
"""

import re
import threading
from dataclasses import dataclass
from datetime import datetime

from django.db import connections, router
from django.db.models.query import get_related_populators


@dataclass(frozen=True)
class _Compiled:
    connection: object  # the thread's DatabaseWrapper it was compiled for
    sql: str | None  # None: not preparable, use the ORM
    params: tuple
    slots: tuple[tuple[int, str], ...]  # (position among params, marker name)
    names: tuple[str, ...] | None  # parameter names where the SQL takes named parameters
    compiler: object
    converters: dict
    model: type
    columns: slice
    attnames: list[str]
    related: list
    annotations: dict[str, int]


class PreparedLookup:
    """`first(**values)`: the first row of `build(**values)` (unordered), or None.

    `markers` maps each argument of `build` to a stand-in value that no real call uses and that
    appears nowhere else among the query's parameters (a marker string, a negative id, an odd
    datetime); each must reach the SQL parameters unchanged (datetimes as the backend adapts
    them)."""

    def __init__(self, model, build, *, markers: dict):
        self._model = model
        self._build = build
        self._markers = dict(markers)
        self._local = threading.local()  # compiled per thread, as connections are

    def first(self, **values):
        using = router.db_for_read(self._model)
        connection = connections[using]
        cache = self._local.__dict__.setdefault("compiled", {})
        compiled = cache.get(using)
        if compiled is None or compiled.connection is not connection:
            compiled = cache[using] = self._compile(using)
        if compiled.sql is None:
            return self._build(**values).order_by().first()
        params = list(compiled.params)
        # A value may sit in several places (the time, once per block level): adapt it once.
        adapted = {name: _adapt(connection, value) for name, value in values.items()}
        for position, name in compiled.slots:
            params[position] = adapted[name]
        if compiled.names is not None:
            params = dict(zip(compiled.names, params, strict=True))
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if compiled.converters:
            (row,) = compiled.compiler.apply_converters([row], compiled.converters)
        obj = compiled.model.from_db(using, compiled.attnames, row[compiled.columns])
        for populator in compiled.related:
            populator.populate(row, obj)
        for name, position in compiled.annotations.items():
            setattr(obj, name, row[position])
        return obj

    def _compile(self, using) -> _Compiled:
        queryset = self._build(**self._markers).order_by()[:1]
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        by_value = {
            _adapt(compiler.connection, marker): name for name, marker in self._markers.items()
        }
        slots = tuple(
            (position, by_value[value])
            for position, value in enumerate(params)
            if _hashable(value) and value in by_value
        )
        if {name for _, name in slots} != set(self._markers):
            sql = None  # a marker went missing (transformed on its way): no shortcut
        names = None
        if sql is not None and compiler.connection.vendor == "sqlite":
            # Django turns %s into SQLite's ? with a regular expression on every execute, a
            # tenth of a millisecond on SQL this long; named parameters take one % instead.
            sql, names = _named(sql)
        info, select = compiler.klass_info, compiler.select
        converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])
        first, last = info["select_fields"][0], info["select_fields"][-1] + 1
        return _Compiled(
            connection=compiler.connection,
            sql=sql,
            params=tuple(params),
            slots=slots,
            names=names,
            compiler=compiler,
            converters=converters,
            model=info["model"],
            columns=slice(first, last),
            attnames=[column[0].target.attname for column in select[first:last]],
            related=get_related_populators(info, select, using),
            annotations=dict(compiler.annotation_col_map or {}),
        )


def _named(sql: str) -> tuple[str, tuple[str, ...]]:
    """`sql` with each %s turned into %(pN)s (a literal %% kept), and the names in order."""
    names: list[str] = []

    def name(match) -> str:
        if match.group() == "%%":
            return "%%"
        names.append(f"p{len(names)}")
        return f"%({names[-1]})s"

    return re.sub(r"%%|%s", name, sql), tuple(names)


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:  # e.g. a JSON parameter: never a marker
        return False
    return True


def _adapt(connection, value):
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value
