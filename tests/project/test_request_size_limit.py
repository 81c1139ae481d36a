"""Oversized request bodies are refused (413) before CSRF or a view reads them."""

import pytest
from django.test import Client

from accessprogram.feedback.models import BugReport

pytestmark = pytest.mark.django_db

TOO_BIG = str(61 * 1024 * 1024)


def test_an_oversized_form_post_is_refused_before_anything_is_read(tester):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tester.user)
    response = client.post("/feedback/bugs/new", {"title": "x"}, CONTENT_LENGTH=TOO_BIG)
    assert response.status_code == 413
    assert "larger than 60 MB" in response.content.decode()
    assert not BugReport.objects.exists()


def test_the_api_answers_in_openai_error_shape(api):
    response = api.post("/v1/videos", {"prompt": "x"}, format="json", CONTENT_LENGTH=TOO_BIG)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_the_leak_trace_page_has_its_own_larger_limit(settings):
    from accessprogram.request_limits import _limit_for

    assert _limit_for("/console/review/trace/") > settings.MAX_REQUEST_BYTES
    assert _limit_for("/feedback/bugs/new") == settings.MAX_REQUEST_BYTES


def test_ordinary_requests_pass(tester):
    client = Client()
    client.force_login(tester.user)
    assert client.get("/feedback/").status_code == 200
