"""The console's navigation links every section, and Finance only for those who may open it."""

import pytest
from django.test import Client

from accessprogram.programs.models import Membership
from factories import MembershipFactory

pytestmark = pytest.mark.django_db


def nav_of(role, program) -> str:
    client = Client()
    client.force_login(MembershipFactory(program=program, role=role).user)
    response = client.get("/console/")
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('aria-label="Console"')
    return html[start : html.index("</nav>", start)]


def test_finance_staff_see_every_section(program):
    nav = nav_of(Membership.Role.FINANCE, program)
    for href in ("/console/review/trace/", "/console/review/", "/console/feedback/"):
        assert f'href="{href}"' in nav
    assert 'href="/console/finance/"' in nav


def test_reviewers_get_no_finance_link_and_finance_is_404_for_them(program):
    nav = nav_of(Membership.Role.REVIEWER, program)
    assert 'href="/console/review/"' in nav
    assert "/console/finance/" not in nav
    client = Client()
    client.force_login(MembershipFactory(program=program, role=Membership.Role.REVIEWER).user)
    assert client.get("/console/finance/").status_code == 404
