import pytest

from accessprogram.celery import app as celery_app


@pytest.fixture(autouse=True)
def eager_tasks():
    """Invitation emails run in-process (after commit) instead of through a broker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous
