"""On PostgreSQL the responses CSV is written by COPY (feedback.export_copy): its bytes must be
the Python path's exactly — quoting, the formula guard, times, answers of every kind, empty
cells — and the download is one query for the rows whatever their number."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from query_counts import queries_of

from accessprogram.feedback import figures
from accessprogram.feedback.models import Answer, FormResponse
from accessprogram.programs.models import Cohort
from factories import MembershipFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
]

AWKWARD = [
    "",
    "plain",
    'a "quoted" word',
    "comma, inside",
    "two\nlines",
    "carriage\r\nreturn",
    "=SUM(A1)",
    "+1",
    "-1",
    "@handle",
    "\ttab first",
    "\rcr first",
    "café ✓ 映像",
    "'already quoted",
    "\\.",
    "; semicolon",
]


def both(form) -> tuple[bytes, bytes]:
    def joined(chunks):
        return b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)

    return (
        joined(figures.responses_csv(form=form, copy=True)),
        joined(figures.responses_csv(form=form, copy=False)),
    )


def respond(form, membership, answers: dict) -> FormResponse:
    response = FormResponse.objects.create(form=form, membership=membership)
    by_label = {q.label: q for q in form.questions.all()}
    Answer.objects.bulk_create(
        Answer(response=response, question=by_label[label], value=value)
        for label, value in answers.items()
    )
    return response


def test_copy_writes_the_python_paths_bytes(program, open_form):
    cohort = Cohort.objects.create(program=program, name='Cohort "A", west')
    for index, text in enumerate(AWKWARD):
        user = UserFactory(username=f"{text[:20]}-{index}", email=f"{index}{text[:5]}@x.test")
        membership = MembershipFactory(program=program, user=user, cohort=cohort)
        respond(
            open_form,
            membership,
            {
                "Overall quality": 1 + index % 5,
                "Best length": text,
                "What broke": [text, "faces"] if index % 2 else [],
                "One word": text,
            }
            | ({} if index % 3 == 0 else {"Anything else": text}),
        )
    respond(open_form, MembershipFactory(program=program), {})  # no answers, no cohort
    whole_second = datetime.datetime(2026, 1, 31, 9, 30, tzinfo=datetime.UTC)
    FormResponse.objects.filter(pk__in=FormResponse.objects.values("pk")[:3]).update(
        submitted_at=whole_second, completed_at=whole_second
    )
    copied, written = both(open_form)
    assert copied.count(b"\n") >= len(AWKWARD) + 2
    assert copied == written


# The fixtures hold the form; each example replaces its one response.
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00")),
    picks=st.lists(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))),
)
def test_any_text_is_written_alike(program, open_form, text, picks):
    FormResponse.objects.filter(form=open_form).delete()
    respond(
        open_form,
        MembershipFactory(program=program),
        {"One word": text, "What broke": picks, "Overall quality": 3},
    )
    copied, written = both(open_form)
    assert copied == written


def test_the_download_is_one_copy_whatever_the_rows(manager_client, program, open_form):
    url = f"/console/feedback/{program.slug}/forms/{open_form.pk}/responses.csv"
    for _ in range(3):
        respond(open_form, MembershipFactory(program=program), {"One word": "x"})
    few = queries_of(manager_client, url)
    for _ in range(40):
        respond(open_form, MembershipFactory(program=program), {"One word": "y"})
    with CaptureQueriesContext(connection) as captured:
        body = b"".join(manager_client.get(url).streaming_content)
    assert [q["sql"][:6] for q in captured].count("COPY (") == 1
    assert body.count(b"\n") == 44
    assert queries_of(manager_client, url) == few
