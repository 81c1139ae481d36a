"""The program's policy for share links of a tester whose access is revoked.

"stop" (the default): revoking the tester, their cohort or the whole program stops their links
on the very next request. "keep": approved links keep working. Suspensions (reversible: the
kill switch, an anomaly, a pause) never stop links under either policy."""

import pytest
from django.test import Client
from django.urls import reverse
from sharing_helpers import approve, ask, finished_output, make_published_ready

from accessprogram.access.revocation import block_access, kill_switch, lift_block
from accessprogram.audit.models import AuditRecord
from accessprogram.programs.models import Cohort, Membership, Program
from clients import signed_in
from factories import MembershipFactory
from review.models import ShareLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(tester, reviewer, media_root):
    """(share page url, video url) of an approved, ready output of `tester`."""
    generation = finished_output(tester=tester.user, program=tester.program)
    share_request = approve(ask(generation, tester.user), reviewer)
    make_published_ready(share_request)
    token = ShareLink.objects.get(share_request=share_request).token
    page, video = f"/s/{token}/", f"/s/{token}/video"
    client = Client()
    assert client.get(page).status_code == 200
    assert client.get(video).status_code == 200
    return page, video


def works(*urls) -> bool:
    client = Client()
    codes = {client.get(url).status_code for url in urls}
    assert len(codes) == 1, codes
    return codes == {200}


def set_policy(program, value):
    Program.objects.filter(pk=program.pk).update(share_links_on_tester_revocation=value)


def test_the_default_policy_is_stop(program):
    assert program.share_links_on_tester_revocation == "stop"


def test_revoking_the_tester_stops_their_links_at_once(live, tester, program):
    block_access(target=tester, kind="revocation", reason="leaked a token")
    assert not works(*live)


def test_with_keep_a_revoked_testers_links_keep_working(live, tester, program):
    set_policy(program, "keep")
    block_access(target=tester, kind="revocation", reason="left the program")
    assert works(*live)
    # The policy is read on every request: switching to "stop" takes effect at once.
    set_policy(program, "stop")
    assert not works(*live)


def test_a_suspension_keeps_links_working(live, tester, program):
    block = block_access(target=tester, kind="suspension", reason="unusual token use")
    assert works(*live)
    lift_block(block=block)
    assert works(*live)


def test_the_kill_switch_is_a_suspension_and_keeps_links(live, program, reviewer):
    kill_switch(program=program, reason="incident", actor=reviewer)
    assert works(*live)


def test_revoking_the_testers_cohort_stops_their_links(live, tester, program):
    cohort = Cohort.objects.create(program=program, name="Wave 1")
    Membership.objects.filter(pk=tester.pk).update(cohort=cohort)
    block_access(target=cohort, kind="revocation", reason="wave ended badly")
    assert not works(*live)


def test_closing_the_program_by_revocation_stops_links_unless_kept(live, program):
    block_access(target=program, kind="revocation", reason="program over")
    assert not works(*live)
    set_policy(program, "keep")
    assert works(*live)


def test_another_testers_revocation_changes_nothing(live, program):
    other = MembershipFactory(program=program)
    block_access(target=other, kind="revocation", reason="someone else")
    assert works(*live)


def test_program_managers_set_the_policy_in_the_console(program):
    manager = MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER).user
    client = signed_in(manager)
    url = reverse("console:program-settings", args=[program.slug])
    page = client.get(url).content.decode()
    assert 'name="share_links_on_tester_revocation"' in page
    assert "suspensions never stop" in page

    form = {
        "status": "active",
        "daily_generation_quota": 50,
        "running_jobs_per_tester": 1,
        "active_jobs_per_tester": 100,
        "allowed_seconds": [4, 8, 12],
        "allowed_sizes": ["1280x720"],
        "approval_policy": "one_reviewer",
        "watermark_position": "bottom_right",
        "watermark_opacity": 60,
        "share_links_on_tester_revocation": "keep",
    }
    assert client.post(url, form).status_code == 302
    program.refresh_from_db()
    assert program.share_links_on_tester_revocation == "keep"
    change = AuditRecord.objects.get(action="program.settings_changed").data["changes"]
    assert change["share_links_on_tester_revocation"] == {"old": "stop", "new": "keep"}

    assert (
        client.post(url, {**form, "share_links_on_tester_revocation": "never"}).status_code == 422
    )
    program.refresh_from_db()
    assert program.share_links_on_tester_revocation == "keep"
