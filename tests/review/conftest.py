import pytest

from accessprogram.programs.models import Membership
from factories import GenerationFactory, MembershipFactory
from generation.models import Generation


@pytest.fixture
def completed_generation():
    """make(tester=user, program=program) -> a completed generation of that tester."""

    def make(*, tester, program):
        return GenerationFactory(tester=tester, program=program, status=Generation.Status.COMPLETED)

    return make


@pytest.fixture
def make_reviewer():
    """make(program, **membership fields) -> a user holding the reviewer role there."""

    def make(program, **kwargs):
        return MembershipFactory(program=program, role=Membership.Role.REVIEWER, **kwargs).user

    return make


@pytest.fixture
def reviewer(program, make_reviewer):
    return make_reviewer(program)


@pytest.fixture
def generation(tester, completed_generation):
    return completed_generation(tester=tester.user, program=tester.program)
