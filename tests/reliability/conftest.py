"""The platform as `make run` starts it: the Procfile's processes under supervisord."""

import pytest
from rendition_fixtures import use_dev_certificate

from processes import SupervisedPlatform


@pytest.fixture
def platform(tmp_path, settings, media_root, monkeypatch, transactional_db):
    # Renditions are signed: the processes find the signing chain through their environment.
    use_dev_certificate(settings, tmp_path / "c2pa", monkeypatch)
    running = SupervisedPlatform(
        var_dir=tmp_path / "var",
        media_root=media_root,
        # Renders take ~3 s, long enough to kill something in the middle of one.
        env={"ENGINE_SECONDS_PER_VIDEO_SECOND": "0.75"},
    )
    yield running
    running.stop()
