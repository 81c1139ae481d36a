"""The console's access controls: kill switch, resume, per-target blocks, lifting."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accessprogram.access.models import AccessBlock, ApiToken
from accessprogram.access.services import revoke_token
from accessprogram.programs.models import Cohort, Membership
from factories import MembershipFactory, token_for


def api_status(secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client.get("/v1/videos")


@pytest.fixture
def manager(client, program):
    staff = MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER)
    client.force_login(staff.user)
    return staff


def pause(client, program, **extra):
    data = {"reason": "token leaked in a public demo", "confirm_name": program.name, **extra}
    return client.post(reverse("console:kill-switch", args=[program.slug]), data)


def test_the_kill_switch_needs_confirmation_and_a_reason(client, manager, program, token):
    response = client.post(reverse("console:kill-switch", args=[program.slug]), {"reason": "x"})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    response = client.post(
        reverse("console:kill-switch", args=[program.slug]), {"confirm_name": program.name}
    )
    assert response.status_code == 422
    assert not AccessBlock.objects.exists()
    assert api_status(token).status_code == 200


def test_the_kill_switch_cuts_every_tester_and_tells_them_when_it_is_back(
    client, manager, program, tester, token
):
    back = (timezone.now() + timedelta(hours=3)).replace(second=0, microsecond=0)
    response = pause(
        client,
        program,
        message="Paused while we rotate keys.",
        expected_back_at=back.strftime("%Y-%m-%dT%H:%M"),
    )
    assert response.status_code == 302
    refused = api_status(token)
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "Paused while we rotate keys."
    page = client.get(reverse("console:program", args=[program.slug])).content.decode()
    assert 'data-testid="program-paused"' in page

    tester_client = client.__class__()
    tester.user.refresh_from_db()
    tester_client.force_login(tester.user)
    home = tester_client.get(reverse("portal:home")).content.decode()
    assert "Paused while we rotate keys." in home
    assert back.strftime("%H:%M") in home


def test_resume_restores_exactly_what_the_switch_paused(client, manager, program, tester):
    kept = token_for(tester, "kept")
    leaked = token_for(tester, "leaked")
    revoke_token(token=ApiToken.objects.get(name="leaked"), reason="leaked before the pause")
    pause(client, program)
    assert api_status(kept).status_code == 403

    client.post(reverse("console:resume", args=[program.slug]))

    assert api_status(kept).status_code == 200
    assert api_status(leaked).status_code == 401


def test_a_tester_can_be_suspended_and_reinstated_from_the_console(client, manager, program):
    member = MembershipFactory(program=program)
    secret = token_for(member)
    client.post(
        reverse("console:block", args=[program.slug]),
        {"level": "membership", "target_id": member.pk, "kind": "suspension", "reason": "spam"},
    )
    assert api_status(secret).status_code == 403
    block = AccessBlock.objects.get()
    client.post(reverse("console:lift", args=[program.slug, block.pk]))
    assert api_status(secret).status_code == 200


def test_a_cohort_block_from_the_console(client, manager, program):
    wave = Cohort.objects.create(program=program, name="Wave 1")
    secret = token_for(MembershipFactory(program=program, cohort=wave))
    outside = token_for(MembershipFactory(program=program))
    client.post(
        reverse("console:revoke-confirm", args=[program.slug, "cohort", wave.pk]),
        {"reason": "wave ended", "confirm_text": "Wave 1"},
    )
    assert api_status(secret).status_code == 403
    assert api_status(outside).status_code == 200


def test_bad_input_changes_nothing(client, manager, program, tester, token):
    response = client.post(
        reverse("console:block", args=[program.slug]),
        {
            "level": "membership",
            "target_id": tester.pk,
            "kind": "revocation",
            "reason": "x",
            "ends_at": (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
        follow=True,
    )
    assert "Nothing was changed" in response.content.decode()
    assert not AccessBlock.objects.exists()
    assert api_status(token).status_code == 200


def test_a_reviewer_sees_the_page_but_cannot_act(client, program, token):
    reviewer = MembershipFactory(program=program, role=Membership.Role.REVIEWER)
    client.force_login(reviewer.user)
    page = client.get(reverse("console:program", args=[program.slug]))
    assert page.status_code == 200
    assert "Pause the whole program" not in page.content.decode()
    assert pause(client, program).status_code == 404
    assert api_status(token).status_code == 200


def test_staff_of_another_program_get_404_everywhere(client, program, tester, token):
    elsewhere = MembershipFactory(role=Membership.Role.PROGRAM_MANAGER)
    client.force_login(elsewhere.user)
    assert client.get(reverse("console:program", args=[program.slug])).status_code == 404
    assert client.get(reverse("console:member", args=[program.slug, tester.pk])).status_code == 404
    assert pause(client, program).status_code == 404
    # Even naming a target of another program through their own program's form fails.
    own = elsewhere.program
    response = client.post(
        reverse("console:block", args=[own.slug]),
        {"level": "membership", "target_id": tester.pk, "kind": "suspension", "reason": "x"},
    )
    assert response.status_code == 404
    assert api_status(token).status_code == 200


def test_blocks_are_listed_by_name(client, manager, program, tester):
    client.post(
        reverse("console:block", args=[program.slug]),
        {"level": "membership", "target_id": tester.pk, "kind": "suspension", "reason": "spam"},
    )
    page = client.get(reverse("console:program", args=[program.slug])).content.decode()
    assert tester.user.email in page.split("Blocks in force</h2>")[1].split("</table>")[0]
