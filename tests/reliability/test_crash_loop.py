"""A process that keeps crashing is restarted a bounded number of times, then reported and left
stopped, while the other processes keep running."""

import sys

import pytest

from processes import SupervisedPlatform, wait_until

pytestmark = pytest.mark.e2e

CRASH_LIMIT = 3


def test_a_crash_looping_process_is_stopped_and_reported(tmp_path, media_root):
    procfile = tmp_path / "Procfile"
    # `flaky` lives past supervisord's start grace (2 s), then dies: a crash, not a failed start.
    procfile.write_text(
        f"steady: {sys.executable} -c 'import time; time.sleep(600)'\n"
        f"flaky: {sys.executable} -c 'import time; time.sleep(2.5); raise SystemExit(3)'\n"
    )
    platform = SupervisedPlatform(
        var_dir=tmp_path / "var",
        media_root=media_root,
        procfile=procfile,
        env={"SUPERVISE_CRASH_LIMIT": str(CRASH_LIMIT)},
        wait_for_web=False,
    )
    try:
        steady = platform.wait_running("steady")["steady"]

        def given_up():
            return platform.states().get("flaky", ("",))[0] == "STOPPED"

        wait_until(given_up, timeout=60, what=f"flaky to be stopped\n{platform.tail()}")
        log = platform.log.read_text()
        assert log.count("flaky (pid") == CRASH_LIMIT - 1  # "exited unexpectedly; restarting it"
        assert f"flaky crashed {CRASH_LIMIT} times within 60 s: no longer restarted" in log
        assert "supervisorctl --configuration" in log  # says how to start it again
        assert platform.states()["steady"] == ("RUNNING", steady)
    finally:
        platform.stop()
