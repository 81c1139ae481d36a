"""When a suspension is lifted, everyone it reached is told once, by email; a tester whose
granted appeal lifted it hears it from the decision instead."""

import pytest
from django.core import mail

from accessprogram.access.appeals import decide_appeal, submit_appeal
from accessprogram.access.models import AccessBlock, BlockNotice
from accessprogram.access.revocation import block_access, kill_switch, lift_block, resume_program
from accessprogram.access.tasks import tell_block_lifted
from accessprogram.programs.models import Cohort, Membership
from factories import MembershipFactory, ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    program = ProgramFactory(name="Heron beta")
    cohort = Cohort.objects.create(program=program, name="Wave 1")
    return {
        "program": program,
        "cohort": cohort,
        "testers": [MembershipFactory(program=program, cohort=cohort) for _ in range(3)],
        "manager": MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER).user,
    }


def suspend(target, actor, capture):
    with capture(execute=True):
        return block_access(
            target=target, kind=AccessBlock.Kind.SUSPENSION, reason="Spam bursts", actor=actor
        )


def lifted_mail():
    return [message for message in mail.outbox if "was lifted" in message.subject]


def test_lifting_a_cohort_suspension_tells_each_tester_once(
    world, eager_celery, django_capture_on_commit_callbacks
):
    block = suspend(world["cohort"], world["manager"], django_capture_on_commit_callbacks)
    assert BlockNotice.objects.filter(block=block).count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert lift_block(block=block, actor=world["manager"])

    told = lifted_mail()
    assert sorted(message.to[0] for message in told) == sorted(
        membership.user.email for membership in world["testers"]
    )
    assert "Wave 1" in told[0].body or "Heron beta" in told[0].body
    block.refresh_from_db()
    assert tell_block_lifted(block.pk) == 0  # a redelivered task mails nobody twice
    assert len(lifted_mail()) == 3


def test_resuming_a_program_tells_its_testers(
    world, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        kill_switch(program=world["program"], reason="Leak", actor=world["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        resume_program(program=world["program"], actor=world["manager"])
    assert len(lifted_mail()) == 3


def test_a_block_still_in_force_tells_nobody(
    world, eager_celery, django_capture_on_commit_callbacks
):
    block = suspend(world["testers"][0], world["manager"], django_capture_on_commit_callbacks)
    assert tell_block_lifted(block.pk) == 0
    assert lifted_mail() == []


def test_a_granted_appeal_is_told_by_its_decision_only(
    world, eager_celery, django_capture_on_commit_callbacks
):
    tester = world["testers"][0]
    block = suspend(tester, world["manager"], django_capture_on_commit_callbacks)
    appeal = submit_appeal(notice=BlockNotice.objects.get(block=block), message="It was a test")
    with django_capture_on_commit_callbacks(execute=True):
        decide_appeal(appeal=appeal, lift=True, reason="Agreed", actor=world["manager"])
    assert lifted_mail() == []
    assert [m.to[0] for m in mail.outbox if "appeal" in m.subject.lower()] == [tester.user.email]
