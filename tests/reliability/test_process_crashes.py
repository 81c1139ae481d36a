"""SIGKILL one process of the running platform: it comes back, the others keep serving, and
every accepted job still completes.

Runs the real process set (`python -m accessprogram.runtime.supervise`, as `make run` does):
gunicorn with two workers, both Celery workers, beat, the engine and the crash watcher.
"""

import os
import time

import openai
import pytest

from factories import MembershipFactory, token_for
from generation.models import Asset, Generation
from processes import Watchdog, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

MAX_PORTAL_GAP_SECONDS = 3.0


def sdk_for(platform, membership) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=f"{platform.url}/v1", api_key=token_for(membership), max_retries=0
    )


def submit(platform, program, count: int) -> list[tuple[openai.OpenAI, str]]:
    """One job each for `count` testers, through the API as an artist would."""
    jobs = []
    for number in range(count):
        client = sdk_for(platform, MembershipFactory(program=program))
        video = client.videos.create(prompt=f"a lighthouse, take {number}", seconds="4")
        jobs.append((client, video.id))
    return jobs


def rendering_started() -> bool:
    return Generation.objects.filter(status=Generation.Status.IN_PROGRESS, progress__gt=0).exists()


def wait_for_completion(jobs, *, timeout: float = 180) -> list:
    def all_done():
        videos = [client.videos.retrieve(video_id) for client, video_id in jobs]
        return videos if all(v.status not in ("queued", "in_progress") for v in videos) else None

    return wait_until(all_done, timeout=timeout, interval=0.5, what="every job to finish")


def assert_each_completed_once(videos) -> None:
    assert [video.status for video in videos] == ["completed"] * len(videos)
    for generation in Generation.objects.all():
        assert Asset.objects.filter(generation=generation).count() == 1


def restarted(platform, name: str, old_pid: int) -> int:
    def new_pid():
        state, pid = platform.states().get(name, ("", None))
        return pid if state == "RUNNING" and pid != old_pid else None

    return wait_until(new_pid, timeout=30, what=f"{name} restarted\n{platform.tail()}")


def test_killing_the_worker_mid_render_interrupts_neither_portal_nor_jobs(platform, program):
    jobs = submit(platform, program, 4)
    with Watchdog(f"{platform.url}/accounts/login/") as portal:
        wait_until(rendering_started, timeout=90, what=f"a render\n{platform.tail()}")
        killed = platform.crash("worker")
        restarted(platform, "worker", killed)
        videos = wait_for_completion(jobs)
    assert_each_completed_once(videos)
    assert portal.answered > 0
    assert portal.longest_gap < MAX_PORTAL_GAP_SECONDS, portal.failures[-5:]
    assert "worker (pid" in platform.log.read_text()  # the watcher reported the crash


def test_a_job_whose_engine_was_killed_is_dispatched_again_and_completes(platform, program):
    jobs = submit(platform, program, 1)
    wait_until(rendering_started, timeout=90, what=f"a render\n{platform.tail()}")
    killed = platform.crash("engine")
    restarted(platform, "engine", killed)
    videos = wait_for_completion(jobs)
    assert_each_completed_once(videos)


def test_beat_comes_back_and_the_sweep_resumes_then_ctrl_c_stops_everything(platform, program):
    killed = platform.crash("beat")
    restarted(platform, "beat", killed)
    # Only the sweep, which beat schedules, moves a job: a job that completes proves it resumed.
    jobs = submit(platform, program, 1)
    assert_each_completed_once(wait_for_completion(jobs))

    children = [pid for _, pid in platform.states().values() if pid]
    assert platform.interrupt() == 0
    time.sleep(0.5)
    assert [pid for pid in children if _alive(pid)] == []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
