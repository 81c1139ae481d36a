"""Form results and the responses CSV send as many queries at 100 responses as at 10: counts
are GROUP BY queries and the CSV reads responses in batches with their answers."""

import pytest
from query_counts import assert_flat
from test_figures_and_exports import answer, rows_of

from accessprogram.feedback import figures
from factories import MembershipFactory

pytestmark = pytest.mark.django_db


def add_responses(form, n):
    for i in range(n):
        answer(
            form,
            MembershipFactory(program=form.program),
            **{
                "Overall quality": str(1 + i % 5),
                "Best length": ["4 s", "8 s", "12 s"][i % 3],
                "What broke": [["motion"], ["motion", "faces"], []][i % 3],
                "One word": f"word {i}",
            },
        )


@pytest.mark.parametrize("page", ["results", "responses.csv"])
def test_results_and_csv(manager_client, program, open_form, page):
    url = f"/console/feedback/{program.slug}/forms/{open_form.pk}/{page}"
    assert_flat(manager_client, url, lambda n: add_responses(open_form, n))


def test_figures_count_every_answer(manager_client, program, open_form, monkeypatch):
    add_responses(open_form, 30)
    by_label = {f.question.label: f for f in figures.question_figures(form=open_form)}
    assert by_label["Overall quality"].rows == [(str(r), 6) for r in range(1, 6)]
    assert by_label["Best length"].rows == [("4 s", 10), ("8 s", 10), ("12 s", 10)]
    assert by_label["What broke"].rows == [("motion", 20), ("faces", 10), ("text", 0)]
    assert by_label["One word"].answered == 30
    # The CSV is read in batches: a batch smaller than the responses gives the same file.
    url = f"/console/feedback/{program.slug}/forms/{open_form.pk}/responses.csv"
    whole = rows_of(manager_client.get(url))
    monkeypatch.setattr(figures, "CSV_BATCH", 7)
    assert rows_of(manager_client.get(url)) == whole
    assert len(whole) == 31
