"""Logging testing time needs access that is still open: a closed program takes no new logs."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accessprogram.access.models import AccessBlock
from accessprogram.access.revocation import block_access
from accessprogram.compensation.models import TimeLog
from accessprogram.compensation.services import CompensationError, log_time

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
