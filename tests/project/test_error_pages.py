"""Styled error pages in the product's layout: 404 (a bad share token, a closed application
page, any unknown address), 403 and 500."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path

from accessprogram import urls as project_urls
from accessprogram.programs.models import Program
from factories import ProgramFactory

pytestmark = pytest.mark.django_db


def forbidden(request):
    raise PermissionDenied


def broken(request):
    raise RuntimeError("boom")


# The project's URLs (the layout links to them) plus two views that fail on purpose.
urlpatterns = [path("forbidden", forbidden), path("broken", broken), *project_urls.urlpatterns]


def styled(response, code: int) -> str:
    page = response.content.decode()
    assert response.status_code == code
    assert 'data-testid="error-page"' in page
    assert f"Error {code}" in page
    assert 'class="topbar"' in page and "css/app.css" in page  # the product's layout
    return page


def test_a_bad_share_token_gives_the_styled_404(client):
    styled(client.get("/s/not-a-real-token/"), 404)


def test_a_closed_application_page_gives_the_styled_404(client):
    program = ProgramFactory(status=Program.Status.ACTIVE, applications_open=False)
    styled(client.get(f"/apply/{program.slug}/"), 404)


def test_an_unknown_address_gives_the_styled_404(client):
    styled(client.get("/no/such/page/"), 404)


@pytest.mark.urls("test_error_pages")
def test_403_and_500_are_styled(settings):
    client = Client(raise_request_exception=False)
    styled(client.get("/forbidden"), 403)
    page = styled(client.get("/broken"), 500)
    assert "boom" not in page
