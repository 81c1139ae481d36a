"""The artist portal in headless Chromium: sign in, generate, watch the status card update
live (htmx, no reload), then play the finished H.264 video in the browser."""

import re

import pytest
from playwright.sync_api import expect
from rendition_fixtures import use_dev_certificate

from generation.models import Generation
from processes import EngineProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# The render, then its watermarked preview (marked, re-encoded and signed by the worker).
RENDER_TIMEOUT_MS = 180_000

# Installed in every document: a log of what the status card showed, appended on each DOM
# mutation, and an id that a page reload would replace.
STATUS_RECORDER = """
(() => {
  window.__documentId = Math.random().toString(36).slice(2);
  window.__statusLog = [];
  const snapshot = () => {
    const card = document.getElementById("video-status");
    if (!card) return;
    const text = (selector) => card.querySelector(selector)?.textContent.trim() ?? null;
    const entry = {
      status: card.querySelector("[data-status]")?.dataset.status ?? null,
      position: text("[data-testid=queue-position]"),
      progress: text("[data-testid=progress]"),
      player: card.querySelector("video[data-testid=player]") !== null,
      preparing: card.querySelector("[data-testid=preview-preparing]") !== null,
      previewProgress: text("[data-testid=preview-progress]"),
    };
    const last = window.__statusLog[window.__statusLog.length - 1];
    if (!last || JSON.stringify(last) !== JSON.stringify(entry)) window.__statusLog.push(entry);
  };
  document.addEventListener("DOMContentLoaded", () => {
    snapshot();
    new MutationObserver(snapshot).observe(document.body, {
      childList: true, subtree: true, characterData: true, attributes: true,
    });
  });
})();
"""


@pytest.fixture
def engine(tmp_path, settings):
    """The reference engine paced to one wall second per video second, so a 4 s clip spends a
    few seconds queued/in progress and the page has something to show while it renders."""
    process = EngineProcess(log=tmp_path / "engine.log", speed=1.0)
    settings.ENGINE_URL = process.url
    settings.ENGINE_SECRET = "test-engine-secret"
    yield process
    process.stop()


@pytest.fixture
def c2pa(settings, tmp_path, monkeypatch):
    """A signing chain the worker (started after this) finds through its environment."""
    return use_dev_certificate(settings, tmp_path / "c2pa", monkeypatch)


def test_generate_watch_progress_and_play_the_video(
    live_server, c2pa, worker, tester, page, sign_in
):
    page.add_init_script(STATUS_RECORDER)
    sign_in(tester.user)

    page.get_by_label("Prompt").fill("a paper boat drifting at dusk")
    page.get_by_label("Length").select_option("4")
    page.get_by_label("Size").select_option("1280x720")
    page.get_by_label("Seed").fill("7")
    page.get_by_role("button", name="Generate").click()

    page.wait_for_url(re.compile(r"/videos/video_[0-9a-f]{32}/$"))
    detail_url = page.url
    public_id = detail_url.rstrip("/").rsplit("/", 1)[1]
    document_id = page.evaluate("window.__documentId")
    navigations = []
    page.on(
        "framenavigated",
        lambda frame: frame == page.main_frame and navigations.append(frame.url),
    )

    expect(page.get_by_text("Your video is queued.")).to_be_visible()
    expect(page.get_by_test_id("share-panel")).to_have_count(0)  # nothing to share yet
    first = page.evaluate("window.__statusLog[0]")
    assert first["status"] in ("queued", "in_progress"), first
    assert first["position"] is not None or first["progress"] is not None, first

    player = page.locator("#video-status video[data-testid=player]")
    expect(player).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(page.locator("#video-status [data-status]")).to_have_text("Completed")
    # Without a reload: the share panel appeared and the "queued" message went away.
    expect(page.get_by_test_id("share-panel")).to_be_visible()
    expect(page.get_by_text("Your video is queued.")).to_have_count(0)

    # The card changed in place: same URL, same document, no navigation since landing.
    assert page.url == detail_url
    assert page.evaluate("window.__documentId") == document_id
    assert navigations == []
    log = page.evaluate("window.__statusLog")
    statuses = [entry["status"] for entry in log]
    # Between the render and the player the card said the watermarked preview was being
    # prepared (the worker marks, re-encodes and signs it), then swapped in the player.
    preparing = [i for i, e in enumerate(log) if e["preparing"]]
    assert preparing, log
    # That phase is named as such ("Preparing preview", not "Completed") with its own progress.
    assert all(
        log[i]["status"] == "preparing_preview" and not log[i]["player"] for i in preparing
    ), log
    assert all(log[i]["previewProgress"] is not None for i in preparing), log
    assert log[-1]["player"] and not log[-1]["preparing"], log
    assert statuses[-1] == "completed", log
    assert set(statuses) <= {"queued", "in_progress", "preparing_preview", "completed"}, log
    assert "in_progress" in statuses, log  # seen live, between queued and completed
    progress = [int(e["progress"].rstrip("%")) for e in log if e["progress"] is not None]
    assert progress == sorted(progress), log
    # The engine's progress is relayed: the figure moves during the run, not 0% throughout.
    assert len(set(progress)) > 1 and max(progress) > 0, log
    assert Generation.objects.get(public_id=public_id).status == Generation.Status.COMPLETED

    assert player.get_attribute("src") == f"/videos/{public_id}/media"
    # Metadata first (or a media error, reported with its code rather than a timeout).
    page.wait_for_function(
        "(v) => v.readyState >= 1 || v.error !== null",
        arg=player.element_handle(),
        timeout=30_000,
    )
    metadata = player.evaluate(
        """(v) => ({
            error: v.error && {code: v.error.code, message: v.error.message},
            width: v.videoWidth, height: v.videoHeight, duration: v.duration,
            canPlay: v.canPlayType('video/mp4; codecs="avc1.640028"'),
        })"""
    )
    assert metadata["error"] is None, f"Chromium could not load the video: {metadata}"
    assert (metadata["width"], metadata["height"]) == (1280, 720), metadata
    assert metadata["duration"] == pytest.approx(4.0, abs=0.1), metadata

    # Muted so that no autoplay policy can refuse a play() without a user gesture.
    player.evaluate("(v) => { v.muted = true; return v.play(); }")
    page.wait_for_function(
        "(v) => v.currentTime > 0.2 || v.error !== null", arg=player.element_handle()
    )
    played = player.evaluate(
        """(v) => {
            const canvas = document.createElement("canvas");
            canvas.width = 64; canvas.height = 36;
            const ctx = canvas.getContext("2d");
            ctx.drawImage(v, 0, 0, canvas.width, canvas.height);
            const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
            let sum = 0, sumSq = 0, n = 0;
            for (let i = 0; i < data.length; i += 4) {
                const luma = (data[i] + data[i + 1] + data[i + 2]) / 3;
                sum += luma; sumSq += luma * luma; n++;
            }
            const mean = sum / n;
            return {
                error: v.error && {code: v.error.code, message: v.error.message},
                currentTime: v.currentTime,
                decodedFrames: v.getVideoPlaybackQuality().totalVideoFrames,
                mean, stddev: Math.sqrt(sumSq / n - mean * mean),
            };
        }"""
    )
    assert played["error"] is None, played
    assert played["currentTime"] > 0, played
    assert played["decodedFrames"] > 0, played
    # A decoded picture, not a black or blank frame: the render is a colourful gradient.
    assert played["mean"] > 10 and played["stddev"] > 5, played
    assert page.js_errors == []


def test_anonymous_visitor_is_sent_to_sign_in_and_a_bad_password_is_refused(
    live_server, tester, page
):
    page.goto(f"{live_server.url}/")
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)

    page.get_by_label("Username").fill(tester.user.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("password you specified are not correct")
    assert "/accounts/login/" in page.url
    # The username is kept, the password is not.
    expect(page.get_by_label("Username")).to_have_value(tester.user.username)
    expect(page.get_by_label("Password")).to_have_value("")

    # The right password still works and honours ?next=.
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Generate a video")).to_be_visible()
    assert page.js_errors == []
