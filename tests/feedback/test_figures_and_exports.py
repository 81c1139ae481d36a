"""Staff figures (response rate, distributions, quick ratings, bug counts) and CSV exports."""

import csv
import io

import pytest
from feedback_helpers import questions

from accessprogram.feedback import bugs, services
from accessprogram.programs.models import Cohort
from factories import MembershipFactory

pytestmark = pytest.mark.django_db


def answer(form, membership, **by_label):
    q = questions(form)
    raw = {q[label].pk: value for label, value in by_label.items()}
    return services.submit_response(form=form, membership=membership, raw=raw)


def rows_of(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))


def test_results_show_the_response_rate_and_distributions(
    manager_client, program, open_form, tester
):
    others = [MembershipFactory(program=program) for _ in range(3)]
    answer(open_form, tester, **{"Overall quality": "5", "Best length": "8 s"})
    answer(open_form, others[0], **{"Overall quality": "5", "Best length": "4 s"})
    answer(
        open_form,
        others[1],
        **{"Overall quality": "2", "Best length": "8 s", "What broke": ["faces", "text"]},
    )
    page = manager_client.get(
        f"/console/feedback/{program.slug}/forms/{open_form.pk}/results"
    ).content.decode()
    assert "<strong>3</strong> of 4 eligible testers answered (75.0%)" in page
    # The rating chart's accessible table: 5 twice, 2 once.
    assert '<th scope="row">5</th><td>2</td>' in page
    assert '<th scope="row">2</th><td>1</td>' in page
    assert '<th scope="row">8 s</th><td>2</td>' in page
    assert '<th scope="row">faces</th><td>1</td>' in page
    assert 'id="question-chart-' in page


def test_a_cohort_forms_rate_counts_only_that_cohort(manager_client, program, make_form, tester):
    wave = Cohort.objects.create(program=program, name="Wave 1")
    tester.cohort = wave
    tester.save()
    MembershipFactory(program=program)  # not in the cohort
    form = make_form(cohort=wave)
    answer(form, tester, **{"Overall quality": "4", "Best length": "4 s"})
    page = manager_client.get(
        f"/console/feedback/{program.slug}/forms/{form.pk}/results"
    ).content.decode()
    assert "<strong>1</strong> of 1 eligible tester answered (100.0%)" in page


def test_the_program_page_shows_average_quick_rating_and_bug_counts(
    manager_client, program, tester, completed
):
    for rating in (5, 4, 4):
        services.rate_output(generation=completed(tester), tester=tester.user, rating=rating)
    for severity in ("low", "high", "high"):
        bugs.file_bug(
            membership=tester, title="t", steps="s", expected="e", actual="a", severity=severity
        )
    page = manager_client.get(f"/console/feedback/{program.slug}/").content.decode()
    assert '<strong data-testid="average-rating">4.33</strong> / 5 from 3 ratings' in page
    assert '<th scope="row">4</th><td>2</td>' in page
    assert '<th scope="row">New</th><td>3</td>' in page
    assert '<th scope="row">High</th><td>2</td>' in page
    index = manager_client.get("/console/feedback/").content.decode()
    assert "4.33 / 5 from 3" in index


def test_the_responses_csv_has_one_row_per_response_and_a_column_per_question(
    manager_client, program, open_form, tester, completed
):
    video = completed(tester)
    answer(
        open_form,
        tester,
        **{
            "Overall quality": "3",
            "Best length": "12 s",
            "What broke": ["motion", "faces"],
            "One word": "=HYPERLINK(1)",
            "Your best video": video.public_id,
        },
    )
    other = MembershipFactory(program=program)
    answer(open_form, other, **{"Overall quality": "1", "Best length": "4 s"})
    response = manager_client.get(
        f"/console/feedback/{program.slug}/forms/{open_form.pk}/responses.csv"
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, first, second = rows_of(response)
    assert header[7:] == [
        "Overall quality",
        "Best length",
        "What broke",
        "One word",
        "Anything else",
        "Your best video",
    ]
    assert first[1:3] == [tester.user.username, tester.user.email]
    assert first[7:] == ["3", "12 s", "motion; faces", "'=HYPERLINK(1)", "", video.public_id]
    assert second[1] == other.user.username
    assert second[7:] == ["1", "4 s", "", "", "", ""]


def test_the_bugs_csv_lists_every_report(manager_client, program, tester):
    bug = bugs.file_bug(
        membership=tester,
        title="-crash",
        steps="s",
        expected="e",
        actual="a",
        severity="critical",
    )
    header, row = rows_of(manager_client.get(f"/console/feedback/{program.slug}/bugs.csv"))
    record = dict(zip(header, row, strict=True))
    assert record["id"] == str(bug.pk)
    assert record["title"] == "'-crash"
    assert (record["status"], record["severity"], record["email"]) == (
        "new",
        "critical",
        tester.user.email,
    )


def test_exports_are_scoped_to_the_callers_programs(program, open_form, make_form):
    from accessprogram.programs.models import Membership
    from clients import signed_in

    stranger = MembershipFactory(role=Membership.Role.ADMIN).user
    client = signed_in(stranger)
    assert client.get(f"/console/feedback/{program.slug}/bugs.csv").status_code == 404
    assert (
        client.get(
            f"/console/feedback/{program.slug}/forms/{open_form.pk}/responses.csv"
        ).status_code
        == 404
    )
    # A form id of another program under one's own program's slug is 404 too.
    own = MembershipFactory(user=stranger, role=Membership.Role.ADMIN).program
    assert (
        client.get(f"/console/feedback/{own.slug}/forms/{open_form.pk}/results").status_code == 404
    )
