"""The same code switches to production parts by environment variables alone."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.core.files.storage import default_storage
print(json.dumps({
    "db": settings.DATABASES["default"]["ENGINE"],
    "db_name": settings.DATABASES["default"]["NAME"],
    "db_conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE", 0),
    "broker": settings.CELERY_BROKER_URL,
    "broker_transport": getattr(settings, "CELERY_BROKER_TRANSPORT", None),
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION"),
    "storage": default_storage.__class__.__name__,  # the lazy proxy reports the real class
    "bucket": getattr(default_storage, "bucket_name", None),
    "engine": settings.ENGINE_URL,
}))
"""


def settings_with(tmp_path, **variables) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "AWS_STORAGE_BUCKET_NAME"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="accessprogram.settings",
        DEPLOYMENT="development",
        VAR_DIR=str(tmp_path),
        **variables,
    )
    output = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.splitlines()[0])


def test_with_no_variables_it_runs_the_embedded_default(tmp_path):
    facts = settings_with(tmp_path)
    assert facts["db"] == "django.db.backends.sqlite3"
    assert facts["db_name"] == str(tmp_path / "db.sqlite3")
    assert facts["db_conn_max_age"] == 600  # SQLite connections are kept (opening one costs 1 ms)
    assert facts["broker"] == f"sqlite:///{tmp_path / 'broker.sqlite3'}"
    assert facts["broker_transport"] == "accessprogram.runtime.broker:Transport"
    # Shared by every process on the host (gunicorn workers), unlike a per-process LocMemCache.
    assert facts["cache"] == "accessprogram.shared_cache.SharedDiskCache"
    assert facts["cache_location"] == str(tmp_path / "cache")
    assert facts["storage"] == "FileSystemStorage"
    assert facts["engine"] == "http://127.0.0.1:8100"


def test_variables_switch_to_postgres_redis_s3_and_a_remote_engine(tmp_path):
    facts = settings_with(
        tmp_path,
        DATABASE_URL="postgres://app@db.internal:5432/program",
        CELERY_BROKER_URL="redis://cache.internal:6379/0",
        REDIS_URL="redis://cache.internal:6379/1",
        AWS_STORAGE_BUCKET_NAME="renders",
        AWS_S3_REGION_NAME="eu-west-1",
        ENGINE_URL="https://engine.internal",
        DB_CONN_MAX_AGE="60",
    )
    assert facts["db"] == "django.db.backends.postgresql"
    assert facts["db_name"] == "program"
    assert facts["db_conn_max_age"] == 60
    assert facts["broker"] == "redis://cache.internal:6379/0"
    assert facts["broker_transport"] is None
    assert facts["cache"].endswith("RedisCache")
    assert facts["storage"] == "S3Storage"
    assert facts["bucket"] == "renders"
    assert facts["engine"] == "https://engine.internal"
