"""schemathesis, every check, against the schema a live gunicorn serves, with a real token:
every status an operation answers is documented, in OpenAI's error shape, and the server
accepts what the schema allows and refuses what it forbids. Bounded examples and a fixed seed
keep it a few seconds; `schemathesis run --checks all` with more examples finds the same.
The three documented exceptions (state- or DNS-dependent refusals) are in schemathesis.toml."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from factories import MembershipFactory, token_for
from processes import WebProcess

HERE = Path(__file__).parent
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"

pytestmark = pytest.mark.e2e


@pytest.fixture
def live_api(tmp_path, transactional_db, monkeypatch):
    # Hundreds of requests a minute from one token would look like a leak and suspend it.
    monkeypatch.setenv("ANOMALY_MAX_REQUESTS", "1000000")
    monkeypatch.setenv("ANOMALY_MAX_USER_AGENTS", "1000")
    server = WebProcess(log=tmp_path / "gunicorn.log", workers=1)
    yield server
    server.stop()


def test_schemathesis_finds_no_failures(live_api, tmp_path):
    token = token_for(MembershipFactory())
    run = subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(HERE / "schemathesis.toml"),
            "run",
            f"{live_api.url}/api/schema/",
            "--checks",
            "all",
            # ST302 judges links the stateful phase infers from a created video to every
            # operation taking its id, GET .../feedback included, whose 404 ("not rated yet") is
            # documented; no per-operation setting reaches that phase. Create -> retrieve is
            # covered by the SDK tests.
            "--exclude-checks",
            "ensure_resource_availability",
            "--header",
            f"Authorization: Bearer {token}",
            "--max-examples",
            "15",
            "--seed",
            "20261206",
            "--workers",
            "1",
            "--request-timeout",
            "30",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, report
    assert "failure" not in report.splitlines()[-1], report
    selected = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", report)
    assert selected, report
    assert len(set(selected.groups())) == 1, report  # every operation of the schema was tested
