import datetime
from decimal import Decimal

import hypothesis
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from clients import signed_in
from factories import MembershipFactory, ProgramFactory, UserFactory, token_for
from processes import EngineProcess, WebProcess, WorkerProcess

# No time limit per example: tests assert behaviour, never speed (benches under bench/ measure
# that), and a shared two-core machine made the 200 ms default fail examples that were correct.
hypothesis.settings.register_profile("suite", deadline=None)
hypothesis.settings.load_profile("suite")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 costs ~0.3 s a hash; tests check behaviour, not hash strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def eager_celery():
    """Tasks sent with .delay() run at once in this process (after commit, for on_commit
    follow-ups such as emails), instead of through a broker."""
    from accessprogram.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous


@pytest.fixture
def tester_client(client, tester):
    """The test client, signed in as the program's tester."""
    return signed_in(tester, client=client)


@pytest.fixture
def program(db):
    return ProgramFactory()


@pytest.fixture
def tester(program):
    """An active tester membership."""
    return MembershipFactory(program=program)


@pytest.fixture
def staff(db):
    """A staff user: the actor of finance and console steps."""
    return UserFactory(is_staff=True)


@pytest.fixture
def rate_card(program, staff):
    """Rates in effect since yesterday: 30 USD an hour, 5 per form, bugs 10/20/40/80, a monthly
    stipend of 100 and a licence fee of 250."""
    from accessprogram.compensation.services import publish_rate_card

    return publish_rate_card(
        program=program,
        currency="USD",
        effective_from=timezone.now() - datetime.timedelta(days=1),
        actor=staff,
        per_form_completed=Decimal("5.00"),
        per_bug_low=Decimal("10.00"),
        per_bug_medium=Decimal("20.00"),
        per_bug_high=Decimal("40.00"),
        per_bug_critical=Decimal("80.00"),
        per_hour=Decimal("30.00"),
        monthly_stipend=Decimal("100.00"),
        licence_fee=Decimal("250.00"),
    )


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


@pytest.fixture(autouse=True)
def staff_mfa_not_required(settings):
    """Staff must set up MFA before staff pages (tests/programs/test_staff_mfa.py covers that);
    other tests sign staff in with force_login and test something else."""
    settings.STAFF_MFA_REQUIRED = False


@pytest.fixture(autouse=True)
def approvals_open_links_at_once(settings):
    """Approved links open at once; tests/review/test_approval_undo.py covers the undo window."""
    settings.SHARE_APPROVAL_UNDO_SECONDS = 0


@pytest.fixture(autouse=True)
def no_login_rate_limits(settings):
    """Every test signs in from 127.0.0.1; allauth's per-address limits would trip across
    tests sharing the cache. tests/programs/test_login_rate_limit.py turns them back on."""
    settings.ACCOUNT_RATE_LIMITS = False


@pytest.fixture(autouse=True)
def audit_head_exports(settings, tmp_path):
    """Each test its own head export directory: the test database is recreated every run, and
    exports of an earlier run's chains would fail its audit_verify (docs/audit.md)."""
    settings.AUDIT_HEAD_EXPORT_DIR = tmp_path / "audit-heads"
    return settings.AUDIT_HEAD_EXPORT_DIR


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts from an empty cache: the default one lives in files (or Redis) shared
    with real processes and outlives a test, unlike a per-process LocMemCache."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def web_servers(tmp_path, transactional_db):
    """Two gunicorn web processes against the test database and the shared cache.

    Which worker of one gunicorn accepts a connection is the kernel's choice (on an idle machine
    one worker often takes them all), so tests that must prove counts are shared between
    processes send requests to two servers in turn: two processes, deterministically."""
    processes = [WebProcess(log=tmp_path / f"gunicorn-{n}.log", workers=1) for n in (1, 2)]
    yield processes
    for process in processes:
        process.stop()
