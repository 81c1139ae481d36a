"""The database's median and p90 (percentile_cont/percentile_disc on PostgreSQL, k-th row on
SQLite) agree with the definition in Python (review.queue.percentile) for any turnarounds."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factories import GenerationFactory
from review.models import ShareRequest
from review.queue import percentile
from review.turnaround import turnarounds

pytestmark = pytest.mark.django_db


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(minutes=st.lists(st.integers(min_value=0, max_value=60 * 24 * 20), min_size=1, max_size=25))
def test_sql_percentiles_match_the_definition(program, tester, minutes):
    ShareRequest.objects.all().delete()
    generation = GenerationFactory(program=program, tester=tester.user)
    now = timezone.now()
    ShareRequest.objects.bulk_create(
        ShareRequest(
            generation=generation,
            requested_by=tester.user,
            program=program,
            intended_use="portfolio",
            destination="site",
            status=ShareRequest.Status.APPROVED,
            created_at=now - timedelta(days=30),
            decided_at=now - timedelta(days=30) + timedelta(minutes=m),
        )
        for m in minutes
    )
    found = turnarounds(
        ShareRequest.objects.all(), group="program_id", start="created_at", end="decided_at"
    )[program.pk]
    seconds = [m * 60.0 for m in minutes]
    assert found.count == len(minutes)
    assert found.median.total_seconds() == pytest.approx(percentile(seconds, 0.5))
    assert found.p90.total_seconds() == pytest.approx(percentile(seconds, 0.9))
