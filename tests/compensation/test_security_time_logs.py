"""Logging testing time needs access that is still open: a closed program takes no new logs."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accessprogram.access.models import AccessBlock
from accessprogram.access.revocation import block_access, lift_block
from accessprogram.compensation.models import TimeLog
from accessprogram.compensation.services import CompensationError, log_time
from accessprogram.programs.models import Cohort

EARNINGS = reverse("compensation:earnings")


@pytest.fixture
def closed_program(program, staff):
    """The whole program revoked (the final kill switch): it is closed, memberships stay."""
    block_access(
        target=program, kind=AccessBlock.Kind.REVOCATION, reason="Leaked token", actor=staff
    )
    program.refresh_from_db()
    return program


def test_a_tester_of_a_closed_program_cannot_log_time_from_the_page(client, tester, closed_program):
    client.force_login(tester.user)
    started = (timezone.now() - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        EARNINGS,
        {"membership": tester.pk, "started_at": started, "minutes": "60", "description": "x"},
    )
    assert response.status_code == 422
    assert not response.context["can_log"]
    assert not TimeLog.objects.exists()


def test_the_service_refuses_time_in_a_closed_program(tester, closed_program):
    tester.refresh_from_db()
    with pytest.raises(CompensationError, match="not open"):
        log_time(
            membership=tester,
            started_at=timezone.now() - datetime.timedelta(hours=1),
            minutes=30,
            description="After the program closed",
        )
    assert not TimeLog.objects.exists()


@pytest.mark.parametrize("level", ["tester", "cohort"])
def test_a_suspended_tester_cannot_log_time_and_is_told_why(client, tester, staff, level):
    if level == "cohort":
        tester.cohort = Cohort.objects.create(program=tester.program, name="Wave 1")
        tester.save(update_fields=["cohort"])
    block_access(
        target=tester if level == "tester" else tester.cohort,
        kind=AccessBlock.Kind.SUSPENSION,
        reason="Checking a report",
        message="Your access is paused while we check a report.",
        actor=staff,
    )
    tester.user.refresh_from_db()  # the block ended their sessions: sign in afresh
    client.force_login(tester.user)
    started = (timezone.now() - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        EARNINGS,
        {"membership": tester.pk, "started_at": started, "minutes": "60", "description": "x"},
    )
    assert response.status_code == 422
    assert "Your access is paused while we check a report." in response.content.decode()
    assert not TimeLog.objects.exists()


def test_once_the_suspension_is_lifted_time_can_be_logged_again(tester, staff):
    block = block_access(
        target=tester, kind=AccessBlock.Kind.SUSPENSION, reason="Check", actor=staff
    )
    with pytest.raises(CompensationError, match="access is withdrawn"):
        log_time(
            membership=tester,
            started_at=timezone.now() - datetime.timedelta(hours=1),
            minutes=30,
            description="Prompts",
        )
    lift_block(block=block, actor=staff)
    log_time(
        membership=tester,
        started_at=timezone.now() - datetime.timedelta(hours=1),
        minutes=30,
        description="Prompts",
    )
    assert TimeLog.objects.count() == 1
