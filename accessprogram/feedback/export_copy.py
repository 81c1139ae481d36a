"""The responses CSV on PostgreSQL: one `COPY (...) TO STDOUT (FORMAT csv)` whose bytes are sent
as they arrive.

PostgreSQL writes every cell (formula guard, times, answers) and the CSV quoting itself, so no
row becomes a Python object and memory stays flat (figures.responses_csv keeps the batched
Python path for SQLite). The bytes are the Python path's exactly
(tests/feedback/test_responses_csv_copy.py compares them): an empty text cell is written as
NULL, since COPY quotes an empty string ("") to tell it apart from NULL.

The SQL is made of table names and constants; the form and question ids are parameters.
"""

from collections.abc import Iterator
from contextlib import nullcontext

from django.db import connection

from accessprogram.programs.models import Cohort, Membership
from accessprogram.spreadsheet import FORMULA_STARTS

from .export_sql import IsoTimestamp
from .models import Answer, FeedbackForm, FormResponse, Question

CHUNK_BYTES = 64 * 1024  # COPY hands over one row at a time; send them in chunks this size
FORMULA_CODES = ", ".join(str(ord(start)) for start in FORMULA_STARTS)
QUOTE = "''''"  # SQL for the text '
VALUE_TEXT = "a.value #>> '{}'"  # a JSON scalar as text (a string unquoted)
CHOICES_TEXT = (
    "CASE WHEN JSONB_TYPEOF(a.value) = 'array' THEN (SELECT STRING_AGG(e, '; ' ORDER BY n) "
    "FROM JSONB_ARRAY_ELEMENTS_TEXT(a.value) WITH ORDINALITY AS t(e, n)) "
    "ELSE a.value #>> '{}' END"
)


def _safe(column: str) -> str:
    """spreadsheet.safe_cell in SQL for a column: a leading formula character is quoted with '.
    ASCII() is the first character's code: an integer test, cheap on every cell."""
    return (
        f"CASE WHEN ASCII({column}) IN ({FORMULA_CODES}) THEN {QUOTE} || {column} "
        f"ELSE NULLIF({column}, '') END"
    )


def _iso(column: str) -> str:
    """export_sql.iso_text in SQL: isoformat()'s text, no fraction for a whole second."""
    return f"REPLACE({IsoTimestamp.template % {'expressions': column}}, '.000000+', '+')"


def _answer(question: Question, column: str) -> str:
    """figures._answer_text in SQL, as the aggregate of one question's answer (a response has
    one at most): a multiple choice joined with '; ', any other value as text."""
    text = CHOICES_TEXT if question.kind == Question.Kind.MULTIPLE else VALUE_TEXT
    return f"MIN({text}) FILTER (WHERE a.question_id = %s) AS {column}"


def _statement(form: FeedbackForm, questions: list[Question]) -> tuple[str, list]:
    columns = [f"q{index}" for index in range(len(questions))]
    cells = [_safe(column) for column in ("u.username", "u.email", "c.name")]
    cells += [_iso(f"r.{field}") for field in ("submitted_at", "updated_at", "completed_at")]
    cells += [_safe(f"answers.{column}") for column in columns]
    answers = [
        _answer(question, column) for question, column in zip(questions, columns, strict=True)
    ]
    responses = FormResponse._meta.db_table
    # One pass over the form's answers, grouped by response: a column per question.
    by_response = (
        f"SELECT {', '.join(['a.response_id', *answers])} "  # noqa: S608 (see the module)
        f"FROM {Answer._meta.db_table} a JOIN {responses} f ON f.id = a.response_id "
        "WHERE f.form_id = %s GROUP BY a.response_id"
    )
    query = (
        f"SELECT r.id, {', '.join(cells)} FROM {responses} r "  # noqa: S608 (see the module)
        f"JOIN {Membership._meta.db_table} m ON m.id = r.membership_id "
        f"JOIN {Membership.user.field.related_model._meta.db_table} u ON u.id = m.user_id "
        f"LEFT JOIN {Cohort._meta.db_table} c ON c.id = m.cohort_id "
        f"LEFT JOIN ({by_response}) answers ON answers.response_id = r.id "
        "WHERE r.form_id = %s ORDER BY r.submitted_at, r.id"  # index feedback_response_export
    )
    params = [question.pk for question in questions] + [form.pk, form.pk]
    return f"COPY ({query}) TO STDOUT (FORMAT csv)", params


def copied_rows(*, form: FeedbackForm, questions: list[Question]) -> Iterator[bytes]:
    """The CSV rows of the form's responses (no header) in (submitted_at, id) order, as
    PostgreSQL writes them, CHUNK_BYTES at a time."""
    statement, params = _statement(form, questions)
    with connection.cursor() as cursor:
        # Counted like any query where queries are logged (tests, the scale bench).
        logged = cursor.debug_sql(statement, params) if hasattr(cursor, "debug_sql") else None
        with logged or nullcontext(), cursor.cursor.copy(statement, params) as copy:
            chunk = bytearray()
            for row in copy:
                chunk += row
                if len(chunk) >= CHUNK_BYTES:
                    yield bytes(chunk)
                    chunk.clear()
            if chunk:
                yield bytes(chunk)
