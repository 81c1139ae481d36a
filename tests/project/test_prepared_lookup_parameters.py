"""PreparedLookup puts fresh values into SQL compiled once: on SQLite as named parameters (Django
would otherwise rewrite %s to ? with a regular expression on every execute), a literal % kept.
(The token lookup puts one time in eight places: tests/generation/test_retrieve_path.py.)"""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db.models.expressions import RawSQL

from accessprogram.prepared_lookup import PreparedLookup, _named
from factories import UserFactory

pytestmark = pytest.mark.django_db

MARKERS = {
    "username": "prepared-lookup:username",
    "joined": datetime.datetime(2000, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC),
}


def _users(*, username, joined):
    return (
        get_user_model()
        .objects.filter(username=username, date_joined__gte=joined)
        .exclude(date_joined__gt=joined + datetime.timedelta(days=3650 * 10))
        .annotate(percent=RawSQL("'100%%'", []))
    )


lookup = PreparedLookup(get_user_model(), _users, markers=MARKERS)


def test_named_keeps_a_literal_percent_and_numbers_the_rest():
    assert _named("a = %s AND b LIKE '%%x' AND c = %s") == (
        "a = %(p0)s AND b LIKE '%%x' AND c = %(p1)s",
        ("p0", "p1"),
    )


def test_the_prepared_row_is_the_orms():
    user = UserFactory(username="ada")
    UserFactory(username="bob")
    since = user.date_joined - datetime.timedelta(seconds=1)
    found = lookup.first(username="ada", joined=since)
    assert found.pk == user.pk
    assert found.percent == "100%"  # the literal % reached the database as one %
    assert found.date_joined == user.date_joined
    assert lookup.first(username="ada", joined=user.date_joined + datetime.timedelta(1)) is None
    assert lookup.first(username="nobody", joined=since) is None
