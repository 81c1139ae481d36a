"""Unless told it is a development run, the app refuses to start on development values.

Each case imports the settings in a fresh process with exactly the variables given, as a web
server, worker or manage.py would.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accessprogram import deployment

ROOT = Path(__file__).resolve().parents[2]

# What the README's production paragraph lists: with all of it set, production starts.
PRODUCTION = {
    "SECRET_KEY": "production-secret-key-" + "x" * 50,
    "ENGINE_SECRET": "engine-" + "e" * 32,
    "LEAK_SCANNER_SECRET": "scanner-" + "s" * 32,
    "AUDIT_HMAC_KEY": "audit-" + "a" * 32,
    "AUDIT_HEAD_EXPORT_DIR": "/mnt/audit-heads",
    "C2PA_CERT_CHAIN_PATH": "/run/secrets/c2pa-chain.pem",
    "C2PA_PRIVATE_KEY_PATH": "/run/secrets/c2pa-signer.key",
    "PORTAL_URL": "https://beta.example.org",
    "ALLOWED_HOSTS": "beta.example.org",
    "DATABASE_URL": "postgres://app@db.internal:5432/program",
    "CELERY_BROKER_URL": "redis://cache.internal:6379/0",
    "REDIS_URL": "redis://cache.internal:6379/1",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp.example.org",
    "ENGINE_URL": "https://engine.internal",
}
# Variables from the test run's own environment that must not leak into these processes (the
# browser tests set DJANGO_ALLOW_ASYNC_UNSAFE while their browser runs; check --deploy refuses it).
CLEARED = {
    *PRODUCTION,
    "DEPLOYMENT",
    "DEBUG",
    "AWS_STORAGE_BUCKET_NAME",
    "WEB_CONCURRENCY",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}

PROBE = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DEPLOYMENT, settings.SESSION_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS)"
)


def run(args: list[str], tmp_path, **variables) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if name not in CLEARED}
    env.update(DJANGO_SETTINGS_MODULE="accessprogram.settings", VAR_DIR=str(tmp_path))
    env.update({name: value for name, value in variables.items() if value is not None})
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def start(tmp_path, **variables) -> subprocess.CompletedProcess:
    return run(["-c", PROBE], tmp_path, **variables)


def test_a_complete_production_environment_starts_with_https_only_cookies(tmp_path):
    started = start(tmp_path, **PRODUCTION)
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["production", "True", "31536000"]


def test_production_is_the_default_so_a_bare_environment_refuses_to_start(tmp_path):
    refused = start(tmp_path)
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr
    assert "DEPLOYMENT is production (its default)" in refused.stderr
    assert "For a development run set DEPLOYMENT=development." in refused.stderr
    for name in ("SECRET_KEY", "ENGINE_SECRET", "LEAK_SCANNER_SECRET", "PORTAL_URL", "REDIS_URL"):
        assert f"- {name} " in refused.stderr


def test_development_is_an_explicit_mode_that_accepts_the_defaults(tmp_path):
    started = start(tmp_path, DEPLOYMENT="development")
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["development", "False", "0"]


def test_an_unknown_mode_is_refused(tmp_path):
    refused = start(tmp_path, DEPLOYMENT="dev")
    assert refused.returncode != 0
    assert "DEPLOYMENT is 'dev': set DEPLOYMENT to production or development." in refused.stderr


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        ({"DEBUG": "1"}, "DEBUG is on: unset DEBUG"),
        ({"SECRET_KEY": None}, "SECRET_KEY is the public development value: set SECRET_KEY"),
        (
            {"SECRET_KEY": "dev-only-insecure-key-change-me-in-production"},
            "SECRET_KEY is the public development value: set SECRET_KEY",
        ),
        ({"ENGINE_SECRET": None}, "ENGINE_SECRET is the public development value"),
        ({"LEAK_SCANNER_SECRET": None}, "LEAK_SCANNER_SECRET is the public development value"),
        ({"AUDIT_HMAC_KEY": None}, "AUDIT_HMAC_KEY is the public development value"),
        # Audit heads exported only into the database would not show a rewritten table.
        ({"AUDIT_HEAD_EXPORT_DIR": None}, "AUDIT_HEAD_EXPORT_DIR is unset: set it"),
        ({"AUDIT_HEAD_EXPORT_DIR": ""}, "AUDIT_HEAD_EXPORT_DIR is unset: set it"),
        ({"C2PA_CERT_CHAIN_PATH": None}, "C2PA_CERT_CHAIN_PATH is unset: set it"),
        ({"C2PA_PRIVATE_KEY_PATH": None}, "C2PA_PRIVATE_KEY_PATH is unset: set it"),
        ({"PORTAL_URL": None}, "PORTAL_URL is unset: set it"),
        # Without Redis the cache would be per host at best: throttles must span every host.
        ({"REDIS_URL": None}, "REDIS_URL is unset: set it to a Redis server"),
        ({"REDIS_URL": ""}, "REDIS_URL is unset: set it to a Redis server"),
        ({"EMAIL_BACKEND": None}, "which delivers no mail: set EMAIL_BACKEND"),
        (
            {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
            "which delivers no mail: set EMAIL_BACKEND",
        ),
        (
            {"ENGINE_URL": "http://engine.internal:8100"},
            "ENGINE_URL is http://engine.internal:8100: set ENGINE_URL to an https:// address",
        ),
        (
            {"ENGINE_URL": "http://10.0.0.7:8100"},
            "ENGINE_URL is http://10.0.0.7:8100: set ENGINE_URL to an https:// address",
        ),
    ],
)
def test_each_development_value_is_refused_by_name(tmp_path, changes, refusal):
    refused = start(tmp_path, **{**PRODUCTION, **changes})
    assert refused.returncode != 0
    assert refusal in refused.stderr
    # Only what is wrong is listed: one refusal line.
    assert refused.stderr.count("\n- ") == 1, refused.stderr


@pytest.mark.parametrize(
    "engine_url", ["http://127.0.0.1:8100", "http://localhost:8100", "http://[::1]:8100"]
)
def test_plain_http_to_an_engine_on_this_host_is_accepted(tmp_path, engine_url):
    started = start(tmp_path, **{**PRODUCTION, "ENGINE_URL": engine_url})
    assert started.returncode == 0, started.stderr


def test_check_deploy_prints_nothing_but_the_documented_silenced_warnings(tmp_path):
    """HSTS for subdomains and preload are deliberately left to the operator (README)."""
    checked = run(["manage.py", "check", "--deploy"], tmp_path, **PRODUCTION)
    assert checked.returncode == 0, checked.stderr
    output = (checked.stdout + checked.stderr).strip()
    assert output == "System check identified no issues (2 silenced)."


@given(host=st.ip_addresses(v=4))
def test_plain_http_is_accepted_exactly_for_loopback_engines(host):
    problems = deployment.production_problems(
        debug=False,
        secrets={},
        explicitly_set={
            "C2PA_CERT_CHAIN_PATH",
            "C2PA_PRIVATE_KEY_PATH",
            "PORTAL_URL",
            "REDIS_URL",
            "AUDIT_HEAD_EXPORT_DIR",
        },
        email_backend="django.core.mail.backends.smtp.EmailBackend",
        engine_url=f"http://{host}:8100",
    )
    assert (problems == []) == host.is_loopback
    assert all("ENGINE_URL" in problem for problem in problems)
