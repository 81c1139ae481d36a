"""Feedback console pages send as many queries at 100 rows as at 10: the program page counts
every form's response rate with one GROUP BY of testers per cohort; the bug list is paged."""

import datetime
import itertools

import pytest
from django.utils import timezone
from query_counts import assert_flat

from accessprogram.feedback import figures, selectors
from accessprogram.feedback.models import BugReport, FeedbackForm, FormResponse
from accessprogram.programs.models import Cohort
from factories import MembershipFactory

pytestmark = pytest.mark.django_db
serial = itertools.count()


def add_forms(program, manager, n):
    """n published forms, every other one for a cohort of its own, each answered once."""
    now = timezone.now()
    for _ in range(n):
        i = next(serial)
        cohort = Cohort.objects.create(program=program, name=f"Wave {i}") if i % 2 else None
        form = FeedbackForm.objects.create(
            program=program,
            cohort=cohort,
            title=f"Week {i}",
            opens_at=now - datetime.timedelta(days=1),
            closes_at=now + datetime.timedelta(days=1),
            status=FeedbackForm.Status.PUBLISHED,
            published_at=now,
            created_by=manager,
        )
        member = MembershipFactory(program=program, cohort=cohort)
        FormResponse.objects.create(form=form, membership=member, completed_at=now)


def test_program_page(manager_client, program, manager):
    url = f"/console/feedback/{program.slug}/"
    assert_flat(manager_client, url, lambda n: add_forms(program, manager, n))


def test_rates_match_one_form_at_a_time(program, manager, tester):
    add_forms(program, manager, 6)
    MembershipFactory(program=program, status="suspended")  # not eligible
    forms = list(selectors.program_forms(program=program))
    assert figures.response_rates(program=program, forms=forms) == {
        form.pk: figures.response_rate(form=form) for form in forms
    }
    whole_program = [form for form in forms if form.cohort_id is None]
    assert figures.response_rates(program=program, forms=whole_program)[whole_program[0].pk][
        :2
    ] == (1, 7)  # the tester fixture and the six members added with the forms


def add_bugs(program, n):
    for _ in range(n):
        i = next(serial)
        member = MembershipFactory(program=program)
        BugReport.objects.create(
            program=program,
            membership=member,
            reporter=member.user,
            title=f"Bug {i}",
            steps="s",
            expected="e",
            actual="a",
        )


def test_bug_list(manager_client, program):
    url = f"/console/feedback/{program.slug}/bugs/"
    assert_flat(manager_client, url, lambda n: add_bugs(program, n))


def test_bug_list_is_paged_newest_first(manager_client, program):
    add_bugs(program, 60)
    first = manager_client.get(f"/console/feedback/{program.slug}/bugs/")
    second = manager_client.get(f"/console/feedback/{program.slug}/bugs/", {"page": 2})
    shown = [bug.title for bug in first.context["bugs"]] + [
        bug.title for bug in second.context["bugs"]
    ]
    newest_first = BugReport.objects.order_by("-created_at", "-id").values_list("title", flat=True)
    assert shown == list(newest_first)
    assert len(first.context["bugs"]) == 50
