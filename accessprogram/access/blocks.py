"""How a block is checked, and which rows a block reaches: the one home of both rules.

A block (AccessBlock) suspends or revokes access at one of four levels: a token, a tester's
membership, a cohort or a whole program. It is *in force* from `starts_at` until it is lifted or
its `ends_at` passes. Every reader that asks "is this blocked?" or "what does this block stop?"
asks here, in the shape it needs: a queryset, a Q/Exists for `.exclude()`, a correlated subquery
for the token lookup, or a raw SQL fragment for the review queue's one-statement claim.
"""

import operator
from datetime import datetime
from functools import reduce

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from accessprogram.programs.models import Membership

from .models import AccessBlock

Level = AccessBlock.Level

# The broadest block explains a refusal best: a paused program matters more than one token.
LEVELS_BROADEST_FIRST = (Level.PROGRAM, Level.COHORT, Level.MEMBERSHIP, Level.TOKEN)

_BREADTH = Case(
    *(When(level=level, then=Value(rank)) for rank, level in enumerate(LEVELS_BROADEST_FIRST)),
    output_field=IntegerField(),
)


def _in_force(now: datetime) -> Q:
    return Q(lifted_at__isnull=True, starts_at__lte=now) & (
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )


def blocks_in_force(*, now: datetime | None = None) -> QuerySet[AccessBlock]:
    """Every block in force at `now` (default: this instant), on any level."""
    return AccessBlock.objects.filter(_in_force(now or timezone.now()))


def blocked_target_ids(*, level: str, now: datetime | None = None) -> QuerySet:
    """The target ids of `level` with a block in force: a subquery for `__in` lookups."""
    return blocks_in_force(now=now).filter(level=level).values("target_id")


def blocks_on(
    *, token_id=None, membership_id=None, cohort_id=None, program_id=None, now=None
) -> QuerySet[AccessBlock]:
    """Blocks in force on any of the given targets, broadest first, newest first within a level.

    A target left at None is not looked at; the ids may be values or OuterRef()s."""
    targets = {
        Level.TOKEN: token_id,
        Level.MEMBERSHIP: membership_id,
        Level.COHORT: cohort_id,
        Level.PROGRAM: program_id,
    }
    looked_at = [Q(level=level, target_id=pk) for level, pk in targets.items() if pk is not None]
    if not looked_at:
        return AccessBlock.objects.none()
    on_any = reduce(operator.or_, looked_at)
    return blocks_in_force(now=now).filter(on_any).order_by(_BREADTH, "-created_at")


def block_in_force(*, membership: Membership, token_id=None) -> AccessBlock | None:
    """The broadest block in force on a membership, its cohort or its program (and the token,
    when one is given): what stops this tester right now, or None."""
    return blocks_on(
        token_id=token_id,
        membership_id=membership.pk,
        cohort_id=membership.cohort_id,
        program_id=membership.program_id,
    ).first()


def tester_blocks(*, user) -> list[tuple[Membership, AccessBlock]]:
    """The user's tester memberships that are blocked, each with its broadest block."""
    memberships = Membership.objects.filter(user=user, role=Membership.Role.TESTER).select_related(
        "program"
    )
    blocked = []
    for membership in memberships:
        block = block_in_force(membership=membership)
        if block is not None:
            blocked.append((membership, block))
    return blocked


def block_for_tester(*, user, program_id) -> AccessBlock | None:
    """The broadest block on `user`'s membership of a program (None: not blocked, or no member)."""
    membership = Membership.objects.filter(user=user, program_id=program_id).first()
    return block_in_force(membership=membership) if membership else None


def membership_blocked(*, field: str = "pk", now: datetime | None = None) -> Q:
    """A membership-level block is in force on the membership whose id is in `field`.

    Staff powers stop with a block on the membership itself; for `.exclude()` on Membership
    querysets (or on rows that name a membership in `field`)."""
    return Q(**{f"{field}__in": blocked_target_ids(level=Level.MEMBERSHIP, now=now)})


def newest_block_message(*, level: str, target_id, now: datetime) -> Subquery:
    """The message of the newest block in force on one target: a search of the in-force index.

    One subquery per level, not one over all four: SQLite scans the whole index for an OR of
    four (level, target) pairs, so the lookup would slow down as revocations pile up."""
    return Subquery(
        blocks_in_force(now=now)
        .filter(level=level, target_id=target_id)
        .order_by("-created_at")
        .values("message")[:1]
    )


def block_message_annotations(*, now: datetime, **targets) -> dict[str, Subquery]:
    """`{level}_block_message` subqueries for each level given as `level=target_id`."""
    return {
        f"{level}_block_message": newest_block_message(level=level, target_id=target, now=now)
        for level, target in targets.items()
    }


def broadest_message(row) -> tuple[str | None, str | None]:
    """(level, message) of the broadest block among a row's `{level}_block_message`
    annotations (see block_message_annotations); (None, None) when none is in force."""
    for level in LEVELS_BROADEST_FIRST:
        message = getattr(row, f"{level}_block_message", None)
        if message is not None:
            return level, message
    return None, None


def block_in_force_sql(*, level: str, target: str, now: str = "%(now)s") -> str:
    """Raw SQL `EXISTS (...)`: a block in force on `level` for the target id `target` (an SQL
    expression of the outer query) at the parameter `now`. For statements written in SQL.

    `level` must be one of Level: it is written into the statement, not passed as a value."""
    if level not in Level.values:
        raise ValueError(f"Unknown block level {level!r}.")
    # S608: no value is interpolated; `level` is one of Level, `target` and `now` are SQL.
    return f"""EXISTS (
                SELECT 1 FROM {AccessBlock._meta.db_table} AS block
                WHERE block.level = '{level}' AND block.target_id = {target}
                    AND block.lifted_at IS NULL AND block.starts_at <= {now}
                    AND (block.ends_at IS NULL OR block.ends_at > {now})
            )"""  # noqa: S608


# --- Which rows a block reaches ---------------------------------------------------------------


def _members_reached(*, level: str, target_id) -> QuerySet[Membership]:
    if level == Level.MEMBERSHIP:
        return Membership.objects.filter(pk=target_id)
    if level == Level.COHORT:
        return Membership.objects.filter(cohort_id=target_id)
    if level == Level.PROGRAM:
        return Membership.objects.filter(program_id=target_id)
    return Membership.objects.none()


def revoked_targets(*, program_id, level: str, before: datetime | None = None) -> QuerySet:
    """Ids of the `level` targets revoked in a program (taking effect before `before`), as a
    subquery. Revocations are final (a check constraint), so a revocation row, once written,
    holds for good: compensation asks whether a tester held access through a month."""
    revocations = AccessBlock.objects.filter(
        program_id=program_id, level=level, kind=AccessBlock.Kind.REVOCATION
    )
    if before is not None:
        revocations = revocations.filter(starts_at__lt=before)
    return revocations.values("target_id")


def reached_user_ids(*, level: str, target_id) -> QuerySet:
    """Users whose web sessions a block on this target ends (a token's block ends none; a
    program's reaches its testers, not its staff)."""
    members = _members_reached(level=level, target_id=target_id)
    if level == Level.PROGRAM:
        members = members.filter(role=Membership.Role.TESTER)
    return members.values("user_id")


def reached_rows(
    rows: QuerySet,
    *,
    level: str,
    target_id,
    program_id,
    user_field: str = "tester_id",
    token_field: str = "token_id",  # noqa: S107 - a field name, not a secret
) -> QuerySet:
    """The rows of `rows` (each with a program, a user and maybe a token) that a block on
    `level`/`target_id` in `program_id` reaches: for instance the jobs it stops."""
    rows = rows.filter(program_id=program_id)
    if level == Level.TOKEN:
        return rows.filter(**{token_field: target_id})
    if level == Level.PROGRAM:
        return rows
    users = _members_reached(level=level, target_id=target_id).values("user_id")
    return rows.filter(**{f"{user_field}__in": users})


def blocked_rows(
    rows: QuerySet,
    *,
    now: datetime | None = None,
    user_field: str = "tester_id",
    token_field: str = "token_id",  # noqa: S107 - a field name, not a secret
) -> QuerySet:
    """The rows of `rows` that some block in force reaches now: on their token, their program,
    or the membership (or its cohort) of their user in their program."""
    blocked_membership = Membership.objects.filter(
        user_id=OuterRef(user_field), program_id=OuterRef("program_id")
    ).filter(
        Q(pk__in=blocked_target_ids(level=Level.MEMBERSHIP, now=now))
        | Q(cohort_id__in=blocked_target_ids(level=Level.COHORT, now=now))
    )
    return rows.filter(
        Q(**{f"{token_field}__in": blocked_target_ids(level=Level.TOKEN, now=now)})
        | Q(program_id__in=blocked_target_ids(level=Level.PROGRAM, now=now))
        | Exists(blocked_membership)
    )
