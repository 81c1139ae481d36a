"""The responses CSV writes times and answers exactly as Python would: the database builds
them (feedback.export_sql), on PostgreSQL and SQLite alike."""

import datetime

import pytest
from test_figures_and_exports import answer, rows_of

from accessprogram.feedback.export_sql import iso_text
from accessprogram.feedback.models import FormResponse
from factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_times_and_answers_match_python(manager_client, program, open_form, tester):
    answer(
        open_form,
        tester,
        **{"Overall quality": "4", "Best length": "4 s", "What broke": ["faces", "text"]},
    )
    other = MembershipFactory(program=program)
    answer(open_form, other, **{"Overall quality": "2", "Best length": "8 s"})
    whole_second = datetime.datetime(2026, 1, 31, 9, 30, tzinfo=datetime.UTC)
    FormResponse.objects.filter(membership=other).update(submitted_at=whole_second)
    url = f"/console/feedback/{program.slug}/forms/{open_form.pk}/responses.csv"
    _, *rows = rows_of(manager_client.get(url))
    responses = FormResponse.objects.order_by("submitted_at", "id")
    assert [row[:7] for row in rows] == [
        [
            str(r.pk),
            r.membership.user.username,
            r.membership.user.email,
            "",
            r.submitted_at.isoformat(),
            r.updated_at.isoformat(),
            r.completed_at.isoformat() if r.completed_at else "",
        ]
        for r in responses
    ]
    assert rows[0][4] == "2026-01-31T09:30:00+00:00"
    assert rows[1][7:10] == ["4", "4 s", "faces; text"]


def test_iso_text_drops_a_zero_fraction_only():
    assert iso_text("2026-01-31T09:30:00.000000+00:00") == "2026-01-31T09:30:00+00:00"
    assert iso_text("2026-01-31T09:30:00.000100+00:00") == "2026-01-31T09:30:00.000100+00:00"
    assert iso_text(None) == ""
