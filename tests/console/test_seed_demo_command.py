"""`manage.py seed_demo`: a demo program and accounts; safe to run on every start."""

import re
from io import StringIO

from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

from accessprogram.access.models import ApiToken
from accessprogram.access.services import issue_token
from accessprogram.compensation.models import RateCard
from accessprogram.feedback.models import FeedbackForm
from accessprogram.programs.models import Membership, Program

TOKEN = re.compile(r"\beap_[0-9A-Za-z]{36}\b")
USERNAMES = {"artist", "artist2", "reviewer", "finance", "admin"}


def seed() -> tuple[str, str]:
    """Run the command; return its output and the one token it printed."""
    out = StringIO()
    call_command("seed_demo", stdout=out)
    output = out.getvalue()
    printed = set(TOKEN.findall(output))
    assert len(printed) == 1, output
    return output, printed.pop()


def status_with(secret: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client.get("/v1/videos").status_code


def live_demo_tokens():
    return ApiToken.objects.filter(
        membership__user__username="artist", name="Demo token", revoked_at__isnull=True
    )


def snapshot():
    users = dict(get_user_model().objects.values_list("username", "pk"))
    memberships = set(
        Membership.objects.values_list("user__username", "program__slug", "role", "pk")
    )
    return users, memberships


def test_first_run_creates_the_program_accounts_and_a_working_token(db):
    output, secret = seed()

    program = Program.objects.get()
    assert program.slug == "demo"
    assert program.is_active
    assert set(get_user_model().objects.values_list("username", flat=True)) == USERNAMES
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles == {
        "artist": "tester",
        "artist2": "tester",
        "reviewer": "reviewer",
        "finance": "finance",
        "admin": "admin",
    }
    assert get_user_model().objects.get(username="admin").is_superuser
    assert not get_user_model().objects.get(username="artist").is_staff

    assert live_demo_tokens().count() == 1
    assert status_with(secret) == 200
    assert "artist / artist-demo-pass" in output
    assert authenticate(username="artist", password="artist-demo-pass") is not None


def test_the_demo_has_rates_and_an_open_form_the_artist_can_answer(db, client):
    seed()
    seed()

    (card,) = RateCard.objects.all()
    assert (card.currency, str(card.per_form_completed), str(card.licence_fee)) == (
        "EUR",
        "5.00",
        "250.00",
    )
    (form,) = FeedbackForm.objects.all()
    assert form.is_published and form.questions.count() == 4
    client.force_login(get_user_model().objects.get(username="artist"))
    page = client.get("/feedback/").content.decode()
    assert "First impressions" in page


def test_running_twice_changes_nothing_but_the_token(db):
    _, first_secret = seed()
    before = snapshot()

    _, second_secret = seed()

    assert Program.objects.count() == 1
    assert snapshot() == before
    assert second_secret != first_secret
    assert live_demo_tokens().count() == 1
    assert ApiToken.objects.filter(name="Demo token").count() == 2
    assert status_with(second_secret) == 200
    assert status_with(first_secret) == 401  # replaced, since its secret was not kept


def test_running_again_keeps_a_changed_password(db):
    seed()
    artist = get_user_model().objects.get(username="artist")
    artist.set_password("my-own-new-password")
    artist.save()

    seed()

    assert authenticate(username="artist", password="my-own-new-password") is not None
    assert authenticate(username="artist", password="artist-demo-pass") is None


def test_running_again_leaves_other_tokens_of_the_artist_alone(db):
    seed()
    artist = Membership.objects.get(user__username="artist")
    personal = issue_token(membership=artist, name="my laptop").secret

    seed()

    assert status_with(personal) == 200
