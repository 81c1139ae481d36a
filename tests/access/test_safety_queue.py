"""Revocations' follow-up tasks go to their own "safety" queue, never behind bulk work."""

import pytest

from accessprogram.celery import app

REVOCATION_FOLLOW_UPS = [
    "access.end_sessions_for_block",  # ends the web sessions a cohort or program block reaches
    "generation.tasks.cancel_jobs_after_block",  # cancels that cohort's or program's jobs
]


@pytest.fixture(autouse=True)
def tasks_discovered():
    app.loader.import_default_modules()  # what a worker does at start: every app's tasks.py


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name, (), {})["queue"].name


@pytest.mark.parametrize("task_name", REVOCATION_FOLLOW_UPS)
def test_revocation_follow_ups_are_routed_to_the_safety_queue(task_name):
    assert task_name in app.tasks
    assert queue_of(task_name) == "safety"


def test_other_work_stays_on_the_default_queue():
    for task_name in ("generation.tasks.advance_generations", "audit.link_pending_records"):
        assert task_name in app.tasks
        assert queue_of(task_name) == "celery"
