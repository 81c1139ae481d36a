"""Properties of the daily trends: the database's buckets agree with counting by hand, and the
bars drawn from them stay inside the chart and keep their order."""

import datetime
import itertools
from collections import Counter

import pytest
from health_seed import evening_today
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accessprogram.console.health.charts import HEIGHT, WIDTH, Series
from accessprogram.console.health.renders import renders
from accessprogram.console.health.trends import Window
from factories import GenerationFactory, MembershipFactory, ProgramFactory
from generation.models import Generation

MINUTES_IN_31_DAYS = 31 * 24 * 60


@pytest.mark.django_db
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    finished=st.lists(
        st.tuples(st.integers(0, MINUTES_IN_31_DAYS), st.booleans()), min_size=0, max_size=25
    ),
    days=st.sampled_from([7, 30]),
)
def test_daily_buckets_match_counting_by_hand(finished, days):
    now = evening_today()
    window = Window(now=now, days=days)
    program = ProgramFactory()
    tester = MembershipFactory(program=program)
    for minutes_ago, ok in finished:
        at = now - datetime.timedelta(minutes=minutes_ago)
        job = GenerationFactory(program=program, tester=tester.user)
        Generation.objects.filter(pk=job.pk).update(
            status=Generation.Status.COMPLETED if ok else Generation.Status.FAILED,
            created_at=at,
            completed_at=at,
        )
    figures = renders(program_ids=[program.pk], window=window, testers={(program.pk, None): 1})[
        program.pk
    ]
    first = window.dates[0]
    by_hand = Counter(
        ((now - datetime.timedelta(minutes=m)).date(), ok)
        for m, ok in finished
        if (now - datetime.timedelta(minutes=m)).date() >= first
    )
    assert dict(figures.completed_trend.points) == {d: by_hand[d, True] for d in window.dates}
    assert dict(figures.failed_trend.points) == {d: by_hand[d, False] for d in window.dates}
    assert figures.completed == sum(n for (_, ok), n in by_hand.items() if ok)


@given(values=st.lists(st.integers(0, 10_000), min_size=1, max_size=30))
def test_bars_stay_inside_the_chart_and_keep_their_order(values):
    start = datetime.date(2026, 1, 1)
    series = Series(
        label="n",
        points=tuple((start + datetime.timedelta(days=i), v) for i, v in enumerate(values)),
    )
    bars = series.bars
    assert len(bars) == len(values) and bars[-1].today
    for bar in bars:
        assert bar.x >= 0 and bar.x + bar.width <= WIDTH + 0.01
        assert bar.y >= 0 and bar.y + bar.height <= HEIGHT + 0.01
        assert (bar.height > 0) == (bar.value > 0)
    for a, b in itertools.pairwise(bars):
        assert (a.value < b.value) <= (a.height <= b.height)
    if max(values):
        assert max(bar.height for bar in bars) == pytest.approx(HEIGHT - 2)
