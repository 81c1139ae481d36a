"""A new tester sees the getting-started checklist on the portal home until every step is done."""

from django.urls import reverse

from accessprogram.access.services import issue_token
from accessprogram.programs.models import TesterProfile as Profile
from accessprogram.programs.services import accept_agreement, publish_agreement


def test_the_checklist_shows_until_complete(client, tester):
    agreement = publish_agreement(program=tester.program, text="Terms.")
    accept_agreement(user=tester.user, agreement=agreement, ip_address=None)
    client.force_login(tester.user)
    home = client.get(reverse("portal:home")).content.decode()
    assert 'data-testid="onboarding-checklist"' in home
    assert 'href="/account/profile/"' in home  # profile still open
    assert 'href="/tokens/"' in home

    response = client.post(
        reverse("programs:profile"),
        {"display_name": "Ada L.", "portfolio_url": "ada.art", "timezone": "Europe/Lisbon"},
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=tester.user)
    assert (profile.portfolio_url, profile.timezone) == ("https://ada.art", "Europe/Lisbon")
    issue_token(membership=tester, name="first")
    assert 'data-testid="onboarding-checklist"' not in client.get("/").content.decode()


def test_a_bad_time_zone_is_a_form_error(client, tester):
    client.force_login(tester.user)
    response = client.post(
        reverse("programs:profile"), {"display_name": "Ada", "timezone": "Mars/Olympus"}
    )
    assert response.status_code == 200
    assert "Mars/Olympus" in response.content.decode()
    assert not Profile.objects.exists()
