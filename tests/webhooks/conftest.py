import pytest
from django.utils import timezone
from webhook_receiver import Receiver

from accessprogram.webhooks.endpoints import create_endpoint
from factories import GenerationFactory


@pytest.fixture(autouse=True)
def webhook_settings(settings):
    """Deliveries may reach this machine's loopback (the local receiver) in these tests; the
    SSRF tests take it back out. Retries wait seconds, not minutes."""
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.WEBHOOK_RETRY_BASE_SECONDS = 2
    settings.WEBHOOK_MAX_ATTEMPTS = 4
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    return settings


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def endpoint(tester, receiver):
    """A registered endpoint of the tester's pointing at the receiver; `.secret` is its secret."""
    created = create_endpoint(membership=tester, url=receiver.url, actor=tester.user)
    created.endpoint.secret = created.secret
    return created.endpoint


@pytest.fixture
def failed_video(tester):
    return GenerationFactory(
        tester=tester.user,
        program=tester.program,
        status="failed",
        error_code="engine_error",
        completed_at=timezone.now(),
    )
