import datetime

import pytest
from django.utils import timezone

from accessprogram.feedback import services
from accessprogram.feedback.models import Question
from accessprogram.programs.models import Membership
from clients import signed_in
from factories import GenerationFactory, MembershipFactory
from generation.models import Generation


@pytest.fixture
def manager(program):
    return MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER).user


@pytest.fixture
def manager_client(manager):
    return signed_in(manager)


@pytest.fixture
def tester_client(tester):
    return signed_in(tester.user)


@pytest.fixture
def completed():
    def make(membership, **kwargs):
        return GenerationFactory(
            tester=membership.user,
            program=membership.program,
            status=Generation.Status.COMPLETED,
            **kwargs,
        )

    return make


@pytest.fixture
def make_form(program, manager):
    """make(**fields) -> a published form, open now, with one question of every kind."""

    def make(*, opens_in=-1, closes_in=24, cohort=None, publish=True, target=None):
        now = timezone.now()
        form = services.create_form(
            program=target or program,
            title="First week",
            description="How did it go?",
            opens_at=now + datetime.timedelta(hours=opens_in),
            closes_at=now + datetime.timedelta(hours=closes_in),
            cohort=cohort,
            actor=manager,
        )
        for kind, label, required, options in [
            (Question.Kind.RATING, "Overall quality", True, ()),
            (Question.Kind.SINGLE, "Best length", True, ("4 s", "8 s", "12 s")),
            (Question.Kind.MULTIPLE, "What broke", False, ("motion", "faces", "text")),
            (Question.Kind.SHORT, "One word", False, ()),
            (Question.Kind.LONG, "Anything else", False, ()),
            (Question.Kind.OUTPUT, "Your best video", False, ()),
        ]:
            services.add_question(
                form=form, kind=kind, label=label, required=required, options=options
            )
        if publish:
            services.publish_form(form=form, actor=manager)
        form.refresh_from_db()
        return form

    return make


@pytest.fixture
def open_form(make_form):
    return make_form()


@pytest.fixture(autouse=True)
def _tasks_in_process(eager_celery):
    """Bug notification emails run in-process (after commit) instead of through a broker."""
