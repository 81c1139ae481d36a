"""access.blocks: when a block is in force, how the broadest one is chosen, and which rows a
block on each level reaches. Blocks are written directly (no block_access side effects)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accessprogram.access import blocks
from accessprogram.access.models import AccessBlock
from accessprogram.programs.models import Cohort, Membership
from factories import GenerationFactory, MembershipFactory, ProgramFactory, token_for
from generation.models import Generation

pytestmark = pytest.mark.django_db

Level = AccessBlock.Level
Kind = AccessBlock.Kind
LEVELS = [Level.TOKEN, Level.MEMBERSHIP, Level.COHORT, Level.PROGRAM]


class World:
    """A tester with a token in a cohort, a cohort-mate, a tester of another cohort, a reviewer
    of the program and a tester elsewhere."""

    def __init__(self):
        self.program = ProgramFactory()
        self.cohort = Cohort.objects.create(program=self.program, name="Wave 1")
        self.tester = MembershipFactory(program=self.program, cohort=self.cohort)
        token_for(self.tester)
        self.token = self.tester.api_tokens.get()
        self.cohort_mate = MembershipFactory(program=self.program, cohort=self.cohort)
        other = Cohort.objects.create(program=self.program, name="Wave 2")
        self.other_cohort = MembershipFactory(program=self.program, cohort=other)
        self.reviewer = MembershipFactory(program=self.program, role=Membership.Role.REVIEWER)
        self.elsewhere = MembershipFactory()

    def target_id(self, level) -> int:
        return {
            Level.TOKEN: self.token.pk,
            Level.MEMBERSHIP: self.tester.pk,
            Level.COHORT: self.cohort.pk,
            Level.PROGRAM: self.program.pk,
        }[level]

    def block(self, level, *, kind=Kind.SUSPENSION, message="", **times) -> AccessBlock:
        return AccessBlock.objects.create(
            level=level,
            target_id=self.target_id(level),
            program=self.program,
            kind=kind,
            reason="test",
            message=message or f"{level} {kind}",
            **times,
        )


@pytest.fixture
def world():
    return World()


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


# --- In force ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [Kind.SUSPENSION, Kind.REVOCATION])
@pytest.mark.parametrize("level", LEVELS)
def test_a_block_of_either_kind_is_in_force_on_its_level(world, level, kind):
    block = world.block(level, kind=kind)
    assert _ids(blocks.blocks_in_force()) == {block.pk}
    assert list(blocks.blocked_target_ids(level=level).values_list("target_id", flat=True)) == [
        world.target_id(level)
    ]
    others = [other for other in LEVELS if other != level]
    assert all(not blocks.blocked_target_ids(level=other).exists() for other in others)


@pytest.mark.parametrize("level", LEVELS)
def test_lifted_expired_and_future_blocks_are_not_in_force(world, level):
    now = timezone.now()
    world.block(level, lifted_at=now)
    world.block(level, starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1))
    world.block(level, starts_at=now + timedelta(hours=1))
    assert not blocks.blocks_in_force().exists()
    assert not blocks.blocked_target_ids(level=level).exists()


def test_a_suspension_with_an_end_is_in_force_until_then(world):
    now = timezone.now()
    block = world.block(Level.MEMBERSHIP, starts_at=now, ends_at=now + timedelta(hours=1))
    assert _ids(blocks.blocks_in_force(now=now)) == {block.pk}
    assert not blocks.blocks_in_force(now=now + timedelta(hours=1)).exists()
    assert not blocks.blocks_in_force(now=now - timedelta(minutes=1)).exists()  # not started


# --- The broadest block -----------------------------------------------------------------------


def test_levels_broadest_first_is_the_one_breadth_order():
    assert blocks.LEVELS_BROADEST_FIRST == (
        Level.PROGRAM,
        Level.COHORT,
        Level.MEMBERSHIP,
        Level.TOKEN,
    )


def test_blocks_on_orders_broadest_first_then_newest(world):
    token = world.block(Level.TOKEN)
    older = world.block(Level.MEMBERSHIP)
    newer = world.block(Level.MEMBERSHIP)
    AccessBlock.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(hours=1))
    cohort = world.block(Level.COHORT)
    program = world.block(Level.PROGRAM)
    found = blocks.blocks_on(
        token_id=world.token.pk,
        membership_id=world.tester.pk,
        cohort_id=world.cohort.pk,
        program_id=world.program.pk,
    )
    assert [b.pk for b in found] == [program.pk, cohort.pk, newer.pk, older.pk, token.pk]


def test_blocks_on_looks_only_at_the_targets_given(world):
    world.block(Level.TOKEN)
    assert not blocks.blocks_on(membership_id=world.tester.pk).exists()
    assert blocks.blocks_on(token_id=world.token.pk).exists()
    assert not blocks.blocks_on().exists()


@pytest.mark.parametrize("level", [Level.MEMBERSHIP, Level.COHORT, Level.PROGRAM])
def test_block_in_force_on_a_membership_sees_its_cohort_and_program(world, level):
    block = world.block(level)
    assert blocks.block_in_force(membership=world.tester) == block
    assert blocks.block_for_tester(user=world.tester.user, program_id=world.program.pk) == block
    assert blocks.block_in_force(membership=world.elsewhere) is None
    assert blocks.block_for_tester(user=world.elsewhere.user, program_id=world.program.pk) is None


def test_a_token_block_counts_for_a_membership_only_with_the_token(world):
    block = world.block(Level.TOKEN)
    assert blocks.block_in_force(membership=world.tester) is None
    assert blocks.block_in_force(membership=world.tester, token_id=world.token.pk) == block


def test_block_in_force_prefers_the_broadest(world):
    world.block(Level.MEMBERSHIP)
    program = world.block(Level.PROGRAM)
    assert blocks.block_in_force(membership=world.tester) == program


def test_tester_blocks_lists_blocked_tester_memberships(world):
    block = world.block(Level.COHORT)
    assert blocks.tester_blocks(user=world.tester.user) == [(world.tester, block)]
    assert blocks.tester_blocks(user=world.other_cohort.user) == []


def test_broadest_message_from_the_token_lookup_annotations(world):
    from accessprogram.access.selectors import token_for_secret

    world.block(Level.TOKEN, message="token message")
    world.block(Level.COHORT, message="cohort message")
    secret = token_for(world.tester, "second")
    token = token_for_secret(secret=secret)
    assert (token.block_level, token.block_message) == (Level.COHORT, "cohort message")
    assert blocks.broadest_message(object()) == (None, None)


# --- Staff and raw SQL ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [Kind.SUSPENSION, Kind.REVOCATION])
def test_membership_blocked_excludes_memberships_with_a_block_on_themselves(world, kind):
    world.block(Level.MEMBERSHIP, kind=kind)
    world.block(Level.COHORT)  # a cohort block gives staff no reason to lose powers
    left = Membership.objects.filter(program=world.program).exclude(blocks.membership_blocked())
    assert world.tester not in left
    assert world.cohort_mate in left


@pytest.mark.parametrize("kind", [Kind.SUSPENSION, Kind.REVOCATION])
@pytest.mark.parametrize("level", LEVELS)
def test_block_in_force_sql_agrees_with_the_queryset(world, level, kind):
    now = timezone.now()
    world.block(
        level, kind=kind, ends_at=now + timedelta(hours=1) if kind == "suspension" else None
    )
    sql = "SELECT 1 WHERE " + blocks.block_in_force_sql(level=level, target="%(target)s")
    for at in [now - timedelta(hours=1), now, now + timedelta(hours=2)]:
        params = {
            "target": world.target_id(level),
            "now": connection.ops.adapt_datetimefield_value(at),
        }
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchone() is not None
        assert found is blocks.blocks_in_force(now=at).filter(level=level).exists()
    other = next(other for other in LEVELS if other != level)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 WHERE " + blocks.block_in_force_sql(level=other, target="%(target)s"),
            {
                "target": world.target_id(level),
                "now": connection.ops.adapt_datetimefield_value(now),
            },
        )
        assert cursor.fetchone() is None


def test_block_in_force_sql_refuses_an_unknown_level():
    with pytest.raises(ValueError, match="Unknown block level"):
        blocks.block_in_force_sql(level="x' OR '1'='1", target="membership.id")


# --- Which rows a block reaches ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "reached"),
    [
        (Level.TOKEN, set()),
        (Level.MEMBERSHIP, {"tester"}),
        (Level.COHORT, {"tester", "cohort_mate"}),
        (Level.PROGRAM, {"tester", "cohort_mate", "other_cohort"}),  # testers only, no reviewer
    ],
)
def test_reached_user_ids(world, level, reached):
    names = ["tester", "cohort_mate", "other_cohort", "reviewer", "elsewhere"]
    by_user = {getattr(world, name).user_id: name for name in names}
    found = blocks.reached_user_ids(level=level, target_id=world.target_id(level))
    assert {by_user[row["user_id"]] for row in found} == reached


def _jobs(world) -> dict[str, Generation]:
    def job(membership, **extra):
        return GenerationFactory(tester=membership.user, program=membership.program, **extra)

    return {
        "token": job(world.tester, token=world.token),
        "tester": job(world.tester),
        "cohort_mate": job(world.cohort_mate),
        "other_cohort": job(world.other_cohort),
        "reviewer": job(world.reviewer),
        "elsewhere": job(world.elsewhere),
    }


REACHED_JOBS = {
    Level.TOKEN: {"token"},
    Level.MEMBERSHIP: {"token", "tester"},
    Level.COHORT: {"token", "tester", "cohort_mate"},
    Level.PROGRAM: {"token", "tester", "cohort_mate", "other_cohort", "reviewer"},
}


@pytest.mark.parametrize("level", LEVELS)
def test_reached_rows_are_the_jobs_a_new_block_stops(world, level):
    jobs = _jobs(world)
    found = blocks.reached_rows(
        Generation.objects.all(),
        level=level,
        target_id=world.target_id(level),
        program_id=world.program.pk,
    )
    assert {name for name, job in jobs.items() if job.pk in _ids(found)} == REACHED_JOBS[level]


@pytest.mark.parametrize("kind", [Kind.SUSPENSION, Kind.REVOCATION])
@pytest.mark.parametrize("level", LEVELS)
def test_blocked_rows_are_the_jobs_a_block_in_force_reaches(world, level, kind):
    jobs = _jobs(world)
    assert not blocks.blocked_rows(Generation.objects.all()).exists()
    block = world.block(level, kind=kind)
    found = _ids(blocks.blocked_rows(Generation.objects.all()))
    assert {name for name, job in jobs.items() if job.pk in found} == REACHED_JOBS[level]
    if kind == Kind.SUSPENSION:
        AccessBlock.objects.filter(pk=block.pk).update(lifted_at=timezone.now())
        assert not blocks.blocked_rows(Generation.objects.all()).exists()


def test_revoked_targets_are_revocations_only_and_before_a_moment(world):
    now = timezone.now()
    world.block(Level.MEMBERSHIP, kind=Kind.SUSPENSION)
    world.block(Level.MEMBERSHIP, kind=Kind.REVOCATION, starts_at=now - timedelta(days=3))
    world.block(Level.COHORT, kind=Kind.REVOCATION, starts_at=now + timedelta(days=1))

    def ids(level, before=None):
        found = blocks.revoked_targets(program_id=world.program.pk, level=level, before=before)
        return set(found.values_list("target_id", flat=True))

    assert ids(Level.MEMBERSHIP) == {world.tester.pk}  # the suspension is not a revocation
    assert ids(Level.MEMBERSHIP, before=now - timedelta(days=4)) == set()
    assert ids(Level.COHORT) == {world.cohort.pk}
    assert ids(Level.COHORT, before=now) == set()
