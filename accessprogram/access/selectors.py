import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connections, router
from django.db.models import OuterRef, QuerySet
from django.db.models.query import get_related_populators
from django.utils import timezone

from accessprogram.programs.models import Membership, Program
from accessprogram.programs.selectors import pending_agreement_version, tester_memberships

from . import tokens
from .blocks import block_message_annotations, broadest_message, tester_blocks
from .models import AccessBlock, ApiToken

Level = AccessBlock.Level


class AccessDenied(Exception):
    """The token is valid in form but may not be used; the message says why.

    `forbidden` separates a good key whose holder is blocked (403) from a dead key (401)."""

    def __init__(self, message: str, *, forbidden: bool = False):
        super().__init__(message)
        self.forbidden = forbidden


_PROGRAM_CLOSED_MESSAGES = {
    Program.Status.DRAFT: "The program has not started yet.",
    Program.Status.PAUSED: "The program is paused by the organisers.",
    Program.Status.CLOSED: "The program has been closed by the organisers.",
}


def _token_with_access_facts(*, digest: str, now: datetime) -> QuerySet[ApiToken]:
    """The token with its membership, program, user and the blocks in force at `now`."""
    return (
        ApiToken.objects.select_related(
            # the anomaly policy rides along for anomalies.check_token_use
            "membership__program__anomaly_policy",
            "membership__user",
        )
        .annotate(
            **block_message_annotations(
                now=now,
                program=OuterRef("membership__program_id"),
                cohort=OuterRef("membership__cohort_id"),
                membership=OuterRef("membership_id"),
                token=OuterRef("pk"),
            ),
            pending_agreement_version=pending_agreement_version(
                program_id=OuterRef("membership__program_id"),
                user_id=OuterRef("membership__user_id"),
            ),
        )
        .filter(digest=digest)
    )


@dataclass(frozen=True)
class _CompiledLookup:
    connection: object  # the thread's DatabaseWrapper it was compiled for
    sql: str | None  # None: not preparable, use the ORM
    params: tuple
    slots: tuple[tuple[int, str], ...]  # (position among params, marker name)
    compiler: object
    converters: dict
    model: type
    columns: slice
    attnames: list[str]
    related: list
    annotations: dict[str, int]


class _PreparedLookup:
    """A one-row queryset compiled to SQL once per database connection, then run with fresh
    values.

    Building and compiling the token lookup's correlated subqueries costs the ORM milliseconds
    per request, many times what the database takes to run them, while the SQL never changes:
    only the digest and the time do. `build(digest=..., now=...)` returns the queryset; it is
    compiled once with marker values, whose positions among the SQL parameters are filled with
    the real values on each call, and the row becomes model instances as QuerySet iteration
    makes them (select_related objects, annotations). Should the markers not be found, every
    call runs the ORM as is."""

    _DIGEST = "prepared-lookup:digest"
    _NOW = datetime(2000, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)

    def __init__(self, model, build):
        self._model = model
        self._build = build
        self._local = threading.local()  # compiled per thread, as connections are

    def first(self, *, digest: str, now: datetime):
        using = router.db_for_read(self._model)
        connection = connections[using]
        cache = self._local.__dict__.setdefault("compiled", {})
        compiled = cache.get(using)
        if compiled is None or compiled.connection is not connection:
            compiled = cache[using] = self._compile(using)
        if compiled.sql is None:
            return self._build(digest=digest, now=now).first()
        values = {"digest": digest, "now": connection.ops.adapt_datetimefield_value(now)}
        params = list(compiled.params)
        for position, name in compiled.slots:
            params[position] = values[name]
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

    def _compile(self, using) -> _CompiledLookup:
        queryset = self._build(digest=self._DIGEST, now=self._NOW).order_by()
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        now = compiler.connection.ops.adapt_datetimefield_value(self._NOW)
        slots = tuple(
            (position, "digest" if value == self._DIGEST else "now")
            for position, value in enumerate(params)
            if value == self._DIGEST or value == now
        )
        if [name for _, name in slots].count("digest") != 1:
            sql = None
        info, select = compiler.klass_info, compiler.select
        converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])
        first, last = info["select_fields"][0], info["select_fields"][-1] + 1
        return _CompiledLookup(
            connection=compiler.connection,
            sql=sql,
            params=tuple(params),
            slots=slots,
            compiler=compiler,
            converters=converters,
            model=info["model"],
            columns=slice(first, last),
            attnames=[column[0].target.attname for column in select[first:last]],
            related=get_related_populators(info, select, using),
            annotations=dict(compiler.annotation_col_map or {}),
        )


_token_lookup = _PreparedLookup(ApiToken, _token_with_access_facts)


def token_for_secret(*, secret: str) -> ApiToken | None:
    """The token with its membership, program, user and any block in force: one query.

    Runs on every API request, so its SQL is compiled once (see _PreparedLookup)."""
    if not tokens.is_well_formed(secret):
        return None
    token = _token_lookup.first(digest=tokens.digest(secret), now=timezone.now())
    if token is not None:
        token.block_level, token.block_message = broadest_message(token)
    return token


def check_token_access(*, token: ApiToken) -> None:
    """Raise AccessDenied unless the token, its tester and its program all allow access.

    Expects a token from token_for_secret (block annotations present)."""
    membership = token.membership
    if token.revoked_at is not None:
        raise AccessDenied("This API token has been revoked.")
    if not token.is_usable():
        raise AccessDenied("This API token has expired.")
    if token.block_message:
        raise AccessDenied(token.block_message, forbidden=token.block_level != Level.TOKEN)
    if not membership.user.is_active or not membership.is_active:
        raise AccessDenied("Your access to this program is suspended.", forbidden=True)
    if membership.role != Membership.Role.TESTER:
        raise AccessDenied(
            "API tokens work for testers only; your role in this program changed.",
            forbidden=True,
        )
    if membership.program.status != Program.Status.ACTIVE:
        raise AccessDenied(
            _PROGRAM_CLOSED_MESSAGES.get(membership.program.status, "The program is not open."),
            forbidden=True,
        )
    if token.pending_agreement_version is not None:
        raise AccessDenied(
            f"Accept the program agreement (version {token.pending_agreement_version}) "
            "in the portal before using the API.",
            forbidden=True,
        )


def tokens_of(*, user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(
        membership__user=user, membership__role=Membership.Role.TESTER
    ).select_related("membership__program")


def usable_tester_memberships(*, user) -> list[Membership]:
    """Active tester memberships in active programs with no block in force."""
    blocked = {membership.pk for membership, _ in tester_blocks(user=user)}
    return [m for m in tester_memberships(user=user) if m.pk not in blocked]
