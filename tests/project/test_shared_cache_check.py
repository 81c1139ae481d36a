"""`manage.py check` refuses a per-process cache when several web processes are configured."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DUMMY = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.internal:6379/1",
    }
}


@pytest.mark.parametrize("caches", [LOCMEM, DUMMY])
def test_a_per_process_cache_with_two_web_processes_is_an_error(settings, caches):
    settings.CACHES = caches
    settings.WEB_CONCURRENCY = 2
    with pytest.raises(SystemCheckError) as refused:
        call_command("check")
    message = str(refused.value)
    assert "access.E001" in message
    assert "WEB_CONCURRENCY=2 web processes" in message
    assert "Set REDIS_URL" in message


def test_a_per_process_cache_is_fine_for_one_web_process(settings, capsys):
    settings.CACHES = LOCMEM
    settings.WEB_CONCURRENCY = 1
    call_command("check")
    assert "no issues" in capsys.readouterr().out


@pytest.mark.parametrize("caches", [REDIS, None])
def test_shared_caches_pass_with_any_number_of_web_processes(settings, capsys, caches):
    if caches is not None:
        settings.CACHES = caches
    settings.WEB_CONCURRENCY = 8
    call_command("check")  # None: the embedded default (diskcache under VAR_DIR)
    assert "no issues" in capsys.readouterr().out
