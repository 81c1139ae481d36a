"""The health pages through HTTP: who may see them, what they show, the live fragment, and a
query count that stays the same however many testers and generations a program has."""

import datetime
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone
from health_seed import seed_program

from accessprogram.access import policy
from accessprogram.programs.models import Membership
from clients import signed_in
from factories import GenerationFactory, MembershipFactory, ProgramFactory, UserFactory
from generation.models import Generation

pytestmark = pytest.mark.django_db


def health_url(program, **query):
    url = reverse("console:health", args=[program.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def live_url(program):
    return reverse("console:health-live", args=[program.slug])


@pytest.mark.parametrize("role", sorted(policy.STAFF))
def test_staff_of_the_program_see_its_dashboard(client, program, role):
    signed_in(MembershipFactory(program=program, role=role), client=client)
    page = client.get(health_url(program))
    assert page.status_code == 200
    assert "is it healthy?" in page.content.decode()
    assert client.get(live_url(program)).status_code == 200


@pytest.mark.parametrize("view", [health_url, live_url])
def test_other_programs_testers_and_strangers_get_404(client, program, view):
    other = ProgramFactory()
    signed_in(MembershipFactory(program=other, role=Membership.Role.ADMIN), client=client)
    assert client.get(view(program)).status_code == 404
    signed_in(MembershipFactory(program=program), client=client)  # a tester
    assert client.get(view(program)).status_code == 404
    signed_in(UserFactory(), client=client)
    assert client.get(view(program)).status_code == 404


def test_a_blocked_manager_gets_404(client, program):
    manager = MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER)
    Membership.objects.filter(pk=manager.pk).update(status=Membership.Status.SUSPENDED)
    signed_in(manager, client=client)
    assert client.get(health_url(program)).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, program):
    response = client.get(health_url(program))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_staff_without_a_second_factor_are_sent_to_set_it_up(client, program, settings):
    settings.STAFF_MFA_REQUIRED = True
    signed_in(MembershipFactory(program=program, role=Membership.Role.ADMIN), client=client)
    for url in (health_url(program), live_url(program), reverse("console:dashboard")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")


@pytest.fixture
def seeded(program, settings):
    settings.REVIEW_SLA_HOURS = 24
    # The pages read the clock: seed around it (the figures checked here do not depend on
    # where midnight falls; tests/console/test_health_selectors.py checks the days).
    return seed_program(program, now=timezone.now())


def figure(html: str, name: str) -> str:
    """The text of the <dd data-figure="name"> on a page (tags stripped)."""
    import re

    match = re.search(rf'<dd data-figure="{name}">(.*?)</dd>', html, re.S)
    assert match, name
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_the_page_shows_the_figures_and_links_to_where_one_acts(client, seeded):
    program = seeded.program
    signed_in(seeded.manager, client=client)
    html = client.get(health_url(program)).content.decode()
    assert figure(html, "queued") == "2"
    assert figure(html, "overdue") == "2"
    assert figure(html, "open-alerts") == "1"
    assert figure(html, "bugs-critical") == "1"
    assert figure(html, "response-rate") == "50.0 %"
    assert figure(html, "failed") == "1"
    for url in (
        reverse("console:program-settings", args=[program.slug]),
        reverse("console:leaks"),
        reverse("review:queue"),
        reverse("console:feedback-program", args=[program.slug]),
        reverse("console:feedback-bugs", args=[program.slug]) + "?severity=critical",
    ):
        assert f'href="{url}' in html, url
    # A manager sees money totals but is not linked to the finance pages.
    assert figure(html, "owed-USD") == "17.00 USD"
    assert reverse("console:finance-program", args=[program.slug]) not in html
    # Charts: an accessible SVG and a table per trend.
    assert html.count('role="img"') == html.count('class="trend-table"') >= 12
    assert "<desc id=" in html


def test_a_reviewer_sees_no_money_and_no_links_to_manager_pages(client, seeded):
    program = seeded.program
    signed_in(MembershipFactory(program=program, role=Membership.Role.REVIEWER), client=client)
    # The dashboard itself, below the console's navigation.
    html = client.get(health_url(program)).content.decode().split("<h1", 1)[1]
    assert 'data-figure="owed-USD"' not in html
    assert reverse("console:leaks") not in html
    assert reverse("console:program-settings", args=[program.slug]) not in html
    assert f'href="{reverse("review:queue")}"' in html


def test_the_range_switch_draws_thirty_days(client, seeded):
    signed_in(seeded.manager, client=client)
    html = client.get(health_url(seeded.program, days=30)).content.decode()
    assert html.count('class="trend-bar') == 30 * html.count('role="img"')
    assert 'aria-current="page">Last 30 days' in html
    odd = client.get(health_url(seeded.program, days=9999)).content.decode()
    assert 'aria-current="page">Last 7 days' in odd


def test_the_live_fragment_is_only_the_queue_and_backlog_and_polls_itself(client, seeded):
    signed_in(seeded.manager, client=client)
    response = client.get(live_url(seeded.program), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert f'hx-get="{live_url(seeded.program)}"' in html
    # Every 15 s while the tab is in view: a page left in a background tab costs nothing.
    assert "hx-trigger=\"every 15s [document.visibilityState === 'visible']\"" in html
    assert figure(html, "queued") == "2"
    GenerationFactory(program=seeded.program, tester=seeded.testers[0].user)
    assert figure(client.get(live_url(seeded.program)).content.decode(), "queued") == "3"


def test_the_console_home_lists_each_program_with_its_headline_figures(client, seeded):
    signed_in(seeded.manager, client=client)
    html = client.get(reverse("console:dashboard")).content.decode()
    assert f'href="{health_url(seeded.program)}"' in html
    assert figure(html, "queued") == "2"
    assert figure(html, "overdue") == "2"


def test_a_superuser_sees_every_program(client, seeded):
    other = ProgramFactory(name="Another beta")
    signed_in(UserFactory(is_superuser=True, is_staff=True), client=client)
    html = client.get(reverse("console:dashboard")).content.decode()
    assert "Every program" in html
    assert seeded.program.name in html and other.name in html
    assert "All 2 programs together" in html
    assert figure(html, "total-overdue") == "2"


serial = itertools.count()


def grow(program, n):
    """n more testers, each with a queued, a completed and a failed generation."""
    for _ in range(n):
        tester = MembershipFactory(program=program)
        for status in (
            Generation.Status.QUEUED,
            Generation.Status.COMPLETED,
            Generation.Status.FAILED,
        ):
            GenerationFactory(program=program, tester=tester.user, status=status)


@pytest.mark.parametrize("url_of", [health_url, live_url, lambda p: reverse("console:dashboard")])
def test_query_count_does_not_grow_with_testers_and_generations(
    client, seeded, url_of, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signed_in(seeded.manager, client=client)
    url = url_of(seeded.program)
    grow(seeded.program, 5)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow(seeded.program, 45)
    with django_assert_max_num_queries(len(small)):
        assert client.get(url).status_code == 200


def test_the_console_home_says_why_and_since_when_a_program_is_paused(client, program):
    from accessprogram.access.revocation import kill_switch

    manager = MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER).user
    back = timezone.now() + datetime.timedelta(hours=3)
    kill_switch(
        program=program, reason="Leaked key on a stream", actor=manager, expected_back_at=back
    )
    signed_in(manager, client=client)
    page = client.get(reverse("console:dashboard")).content.decode()
    assert 'data-testid="home-paused"' in page
    assert "Leaked key on a stream." in page
    assert "Expected back" in page
