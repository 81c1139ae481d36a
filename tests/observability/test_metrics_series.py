"""/metrics serves the named series, each moving when its event happens."""

from datetime import timedelta
from smtplib import SMTPException

import pytest
from celery import shared_task
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from scrape import total, value

from accessprogram.access.models import ApiToken
from accessprogram.access.revocation import kill_switch
from accessprogram.access.services import revoke_token
from factories import GenerationFactory
from generation import dispatch
from generation.engine_client import Capacity, EngineJob
from generation.models import Generation
from review.models import ShareRequest

pytestmark = pytest.mark.django_db


def scrape(client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    return response.content.decode()


def test_requests_are_counted_and_timed_by_route_method_and_status(client):
    name = "accessprogram_http_requests_total"
    before = scrape(client)
    client.get("/accounts/login/")
    client.get("/accounts/login/")
    client.get("/no/such/page/at-all")
    after = scrape(client)
    login = {"view": "account_login", "method": "GET"}
    assert (
        value(after, name, **login, status="200") - value(before, name, **login, status="200") == 2
    )
    duration = "accessprogram_http_request_duration_seconds_count"
    assert value(after, duration, **login) - value(before, duration, **login) == 2
    missing = {"view": "unmatched", "method": "GET", "status": "404"}
    assert value(after, name, **missing) - value(before, name, **missing) == 1
    # Probes and scrapes are not requests anyone asked for: they are not counted.
    client.get("/healthz")
    again = scrape(client)
    assert total(again, name) == total(after, name)


def test_queue_depth_and_oldest_wait_come_from_the_database(client, program, tester):
    now = timezone.now()
    GenerationFactory(tester=tester.user, program=program, created_at=now - timedelta(minutes=3))
    GenerationFactory(tester=tester.user, program=program, created_at=now - timedelta(minutes=1))
    GenerationFactory(tester=tester.user, program=program, status=Generation.Status.IN_PROGRESS)
    GenerationFactory(tester=tester.user, program=program, status=Generation.Status.COMPLETED)
    text = scrape(client)
    assert value(text, "accessprogram_generations_queued") == 2
    assert value(text, "accessprogram_generations_in_progress") == 1
    assert 180 <= value(text, "accessprogram_generation_oldest_queued_seconds") < 240


def test_review_backlog_counts_pending_share_requests_and_the_oldest_wait(client, program, tester):
    now = timezone.now()
    for age, status in ((timedelta(hours=2), "pending"), (timedelta(hours=5), "approved")):
        ShareRequest.objects.create(
            generation=GenerationFactory(tester=tester.user, program=program),
            requested_by=tester.user,
            program=program,
            intended_use="portfolio",
            destination="my site",
            status=status,
            created_at=now - age,
        )
    text = scrape(client)
    assert value(text, "accessprogram_share_requests_pending") == 1
    assert 7200 <= value(text, "accessprogram_share_request_oldest_pending_seconds") < 7300


def test_revocation_to_refusal_is_timed_per_level_at_commit(
    client, program, tester, token, django_capture_on_commit_callbacks
):
    name = "accessprogram_revocation_to_refusal_seconds_count"
    before = scrape(client)
    with django_capture_on_commit_callbacks(execute=True):
        revoke_token(token=ApiToken.objects.get(membership=tester), reason="leaked")
    middle = scrape(client)
    assert value(middle, name, level="token") - value(before, name, level="token") == 1
    assert value(middle, name, level="program") == value(before, name, level="program")
    with django_capture_on_commit_callbacks(execute=True):
        kill_switch(program=program, reason="incident", actor=None)
    after = scrape(client)
    assert value(after, name, level="program") - value(before, name, level="program") == 1


def test_nothing_is_timed_for_a_block_that_rolls_back(client, tester, token):
    name = "accessprogram_revocation_to_refusal_seconds_count"
    before = scrape(client)
    revoke_token(token=ApiToken.objects.get(membership=tester), reason="leaked")  # never commits
    assert value(scrape(client), name, level="token") == value(before, name, level="token")


class BrokenMailServer(BaseEmailBackend):
    def send_messages(self, email_messages):
        if self.fail_silently:
            return 0
        raise SMTPException("relay refused")


def test_email_delivery_failures_are_counted(client, settings):
    settings.EMAIL_BACKEND = "accessprogram.observability.mail.CountingEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = f"{__name__}.BrokenMailServer"
    name = "accessprogram_email_failures_total"
    before = scrape(client)
    with pytest.raises(SMTPException):
        mail.send_mail("Hello", "Body", None, ["a@example.com"])
    assert mail.send_mail("Hello", "Body", None, ["b@example.com"], fail_silently=True) == 0
    after = scrape(client)
    for failure in ("raised", "not_sent"):
        moved = value(after, name, failure=failure) - value(before, name, failure=failure)
        assert moved == 1, failure


def test_email_that_is_delivered_is_not_a_failure(client, settings):
    settings.EMAIL_BACKEND = "accessprogram.observability.mail.CountingEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    name = "accessprogram_email_failures_total"
    before = total(scrape(client), name)
    assert mail.send_mail("Hello", "Body", None, ["a@example.com"]) == 1
    assert len(mail.outbox) == 1
    assert total(scrape(client), name) == before


@shared_task(name="tests.observability.always_fails")
def always_fails():
    raise RuntimeError("boom")


def test_failed_celery_tasks_are_counted_by_name(client, eager_celery):
    name = "accessprogram_celery_task_failures_total"
    labels = {"task": "tests.observability.always_fails"}
    before = value(scrape(client), name, **labels)
    always_fails.apply()  # eager: runs here, through the same tracer a worker uses
    assert value(scrape(client), name, **labels) - before == 1


class FailingEngine:
    """One slot; every job it is given fails."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def capacity(self):
        return Capacity(slots=1, busy=0)

    def create(self, **job):
        return EngineJob(id="job_1", status="in_progress", progress=0)

    def get(self, job_id):
        return EngineJob(
            id=job_id, status="failed", progress=0, error_code="render_crashed", error_message="x"
        )

    def delete(self, job_id):
        pass


def test_render_failures_are_counted_timed_and_logged_once_per_job(client, program, tester, caplog):
    generation = GenerationFactory(tester=tester.user, program=program)
    before = scrape(client)
    dispatch.advance(client_factory=FailingEngine)  # dispatches
    dispatch.advance(client_factory=FailingEngine)  # follows: failed
    generation.refresh_from_db()
    assert generation.status == Generation.Status.FAILED
    after = scrape(client)
    failures = "accessprogram_generation_failures_total"
    assert (
        value(after, failures, code="render_crashed")
        - value(before, failures, code="render_crashed")
        == 1
    )
    render = "accessprogram_generation_render_seconds_count"
    assert value(after, render, outcome="failed") - value(before, render, outcome="failed") == 1
    wait = "accessprogram_generation_queue_wait_seconds_count"
    assert value(after, wait, outcome="failed") - value(before, wait, outcome="failed") == 1
    failed_lines = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
    assert failed_lines == [f"{generation.public_id} failed (render_crashed): x"]
