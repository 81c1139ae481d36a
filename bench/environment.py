"""What every bench sets up first: its environment and a throwaway database."""

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench_video_retrieve import FOREIGN_SETTINGS  # sibling script: the variables it clears

ROOT = Path(__file__).resolve().parent.parent


def prepare_environment(var_dir: Path, *, settings_module: str = "bench.settings") -> None:
    """SQLite in `var_dir` unless DATABASE_URL names a PostgreSQL server, where a throwaway
    database is created (see create_database); no configured broker, cache or bucket."""
    database_url = os.environ.get("DATABASE_URL", "")
    for name in (*FOREIGN_SETTINGS, "CELERY_BROKER_FOLDER", "MEDIA_ROOT"):
        os.environ.pop(name, None)
    if database_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        os.environ["DATABASE_URL"] = database_url  # only its server is used, see create_database
    os.environ["VAR_DIR"] = str(var_dir)
    os.environ["DEPLOYMENT"] = "development"  # the embedded default, development secrets included
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def create_database(name: str) -> tuple[str, str]:
    """Create and migrate a throwaway database (Django's test-database machinery); returns the
    DATABASE_URL for subprocesses and the name to pass to destroy_database."""
    from django.db import connection

    original = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        connection.settings_dict["TEST"]["NAME"] = f"{name}_{os.getpid()}"
    created = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    if connection.vendor == "sqlite":
        return f"sqlite:///{created}", original
    url = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(url._replace(path=f"/{created}")), original


def destroy_database(original: str) -> None:
    from django.db import connection

    connection.creation.destroy_test_db(original, verbosity=0)
