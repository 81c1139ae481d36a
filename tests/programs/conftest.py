import pytest


@pytest.fixture(autouse=True)
def _tasks_in_process(eager_celery):
    """Invitation emails run in-process (after commit) instead of through a broker."""
