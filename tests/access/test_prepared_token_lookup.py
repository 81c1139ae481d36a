"""The precompiled token lookup must return exactly what the plain ORM query returns."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accessprogram.access import selectors, tokens
from accessprogram.access.models import AccessBlock
from accessprogram.access.revocation import block_access
from accessprogram.access.services import revoke_token
from accessprogram.programs.models import Cohort
from accessprogram.programs.services import publish_agreement
from factories import MembershipFactory, token_for

Kind = AccessBlock.Kind
COMPARED = [
    "pk",
    "name",
    "digest",
    "revoked_at",
    "expires_at",
    "membership_id",
    "program_block_message",
    "cohort_block_message",
    "membership_block_message",
    "token_block_message",
    "pending_agreement_version",
]


def both_ways(secret):
    digest, now = tokens.digest(secret), timezone.now()
    prepared = selectors._token_lookup.first(digest=digest, now=now)
    plain = selectors._token_with_access_facts(digest=digest, now=now).first()
    return prepared, plain


def assert_same(prepared, plain):
    assert (prepared is None) == (plain is None)
    if plain is None:
        return
    for field in COMPARED:
        assert getattr(prepared, field) == getattr(plain, field), field
    assert prepared.membership.user.email == plain.membership.user.email
    assert prepared.membership.program.slug == plain.membership.program.slug
    assert prepared.membership.program.status == plain.membership.program.status
    assert prepared.created_at == plain.created_at


@pytest.fixture
def member(program):
    return MembershipFactory(
        program=program, cohort=Cohort.objects.create(program=program, name="W")
    )


def test_an_unknown_digest_is_none_both_ways(db):
    assert_same(*both_ways(tokens.generate()))


@pytest.mark.parametrize("level", ["token", "membership", "cohort", "program"])
def test_blocks_at_each_level_agree(member, level):
    secret = token_for(member)
    assert_same(*both_ways(secret))
    target = {
        "token": member.api_tokens.get(),
        "membership": member,
        "cohort": member.cohort,
        "program": member.program,
    }[level]
    block_access(target=target, kind=Kind.SUSPENSION, reason="x", message=f"{level} says no")
    prepared, plain = both_ways(secret)
    assert_same(prepared, plain)
    assert getattr(prepared, f"{level}_block_message") == f"{level} says no"


def test_revoked_expired_and_ended_blocks_agree(member):
    secret = token_for(member)
    token = member.api_tokens.get()
    block = block_access(
        target=member,
        kind=Kind.SUSPENSION,
        reason="x",
        ends_at=timezone.now() + timedelta(minutes=5),
    )
    AccessBlock.objects.filter(pk=block.pk).update(
        starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now() - timedelta(minutes=1)
    )
    revoke_token(token=token, reason="leaked")
    prepared, plain = both_ways(secret)
    assert_same(prepared, plain)
    assert prepared.revoked_at is not None and prepared.membership_block_message is None


def test_a_pending_agreement_agrees(member):
    secret = token_for(member)
    publish_agreement(program=member.program, text="Be kind.")
    prepared, plain = both_ways(secret)
    assert_same(prepared, plain)
    assert prepared.pending_agreement_version is not None
