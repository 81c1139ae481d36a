import pytest
from rest_framework.test import APIClient

from factories import MembershipFactory, ProgramFactory, token_for
from processes import EngineProcess, WorkerProcess


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 costs ~0.3 s a hash; tests check behaviour, not hash strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def program(db):
    return ProgramFactory()


@pytest.fixture
def tester(program):
    """An active tester membership."""
    return MembershipFactory(program=program)


@pytest.fixture
def token(tester) -> str:
    return token_for(tester)


@pytest.fixture
def api(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(settings.MEDIA_ROOT)},
        },
    }
    return settings.MEDIA_ROOT


@pytest.fixture
def engine(tmp_path, settings):
    """The reference engine as its own process, rendering as fast as it can (2 slots)."""
    process = EngineProcess(log=tmp_path / "engine.log")
    settings.ENGINE_URL = process.url
    settings.ENGINE_SECRET = "test-engine-secret"
    yield process
    process.stop()


@pytest.fixture
def worker(engine, tmp_path, transactional_db, media_root):
    """A real Celery worker (with beat) against the test database and the engine."""
    process = WorkerProcess(engine=engine, log=tmp_path / "worker.log")
    yield process
    process.stop()
