"""The kill switch and final revocations on their own pages: impact stated, name typed."""

import pytest
from django.urls import reverse
from query_counts import queries_of
from rest_framework.test import APIClient

from accessprogram.access.models import AccessBlock, ApiToken
from accessprogram.programs.models import Cohort, Membership
from factories import GenerationFactory, MembershipFactory, token_for


def api_status(secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client.get("/v1/videos").status_code


@pytest.fixture
def manager(client, program):
    staff = MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER)
    client.force_login(staff.user)
    return staff


def seed(program, *, testers: int, jobs_each: int, cohort=None):
    members = MembershipFactory.create_batch(testers, program=program, cohort=cohort)
    for member in members:
        GenerationFactory.create_batch(jobs_each, tester=member.user, program=program)
    return members


def kill_url(program):
    return reverse("console:kill-switch", args=[program.slug])


def test_the_program_page_links_to_the_confirmation_instead_of_a_form(client, manager, program):
    page = client.get(reverse("console:program", args=[program.slug])).content.decode()
    assert f'href="{kill_url(program)}"' in page
    assert 'action="' + kill_url(program) not in page


def test_the_confirmation_page_states_the_impact(client, manager, program):
    seed(program, testers=3, jobs_each=2)
    page = client.get(kill_url(program)).content.decode()
    assert "Pauses 3 testers" in page
    assert "Cancels <strong>6 jobs" in page
    assert "web sessions of <strong>3 people" in page
    assert f"Type: {program.name}" in page


def test_the_impact_is_read_in_a_constant_number_of_queries(client, manager, program):
    seed(program, testers=2, jobs_each=1)
    few = queries_of(client, kill_url(program))
    seed(program, testers=20, jobs_each=3)
    assert queries_of(client, kill_url(program)) == few


def test_a_wrong_name_refuses_and_changes_nothing(client, manager, program, token):
    response = client.post(
        kill_url(program), {"reason": "leak", "confirm_name": program.name.upper() + "x"}
    )
    assert response.status_code == 422
    assert "That does not match" in response.content.decode()
    assert "nothing was changed" in response.content.decode()
    assert not AccessBlock.objects.exists()
    assert api_status(token) == 200


def test_the_right_name_pauses_the_program(client, manager, program, token):
    response = client.post(
        kill_url(program), {"reason": "leak", "confirm_name": f"  {program.name} "}
    )
    assert response.status_code == 302
    assert AccessBlock.objects.get().level == AccessBlock.Level.PROGRAM
    assert api_status(token) == 403


def test_a_final_revoke_from_the_block_form_only_leads_to_its_confirmation(
    client, manager, program, tester, token
):
    response = client.post(
        reverse("console:block", args=[program.slug]),
        {"level": "membership", "target_id": tester.pk, "kind": "revocation", "reason": "x"},
    )
    assert response.status_code == 302
    assert response.url == reverse(
        "console:revoke-confirm", args=[program.slug, "membership", tester.pk]
    )
    assert not AccessBlock.objects.exists()
    assert api_status(token) == 200


def test_revoking_a_tester_needs_their_email_typed(client, manager, program, tester, token):
    GenerationFactory(tester=tester.user, program=program)
    url = reverse("console:revoke-confirm", args=[program.slug, "membership", tester.pk])
    page = client.get(url).content.decode()
    assert "Ends access for 1 tester" in page
    assert "Cancels <strong>1 job" in page
    assert "final" in page

    wrong = client.post(url, {"reason": "leaked", "confirm_text": "someone@example.com"})
    assert wrong.status_code == 422
    assert not AccessBlock.objects.exists()

    right = client.post(url, {"reason": "leaked", "confirm_text": tester.user.email})
    assert right.status_code == 302
    block = AccessBlock.objects.get()
    assert (block.level, block.kind) == ("membership", "revocation")
    tester.refresh_from_db()
    assert tester.status == Membership.Status.REMOVED
    assert api_status(token) == 403


def test_revoking_a_cohort_needs_its_name_typed(client, manager, program):
    wave = Cohort.objects.create(program=program, name="Wave 2")
    inside = seed(program, testers=2, jobs_each=1, cohort=wave)
    url = reverse("console:revoke-confirm", args=[program.slug, "cohort", wave.pk])
    assert "Ends access for 2 testers" in client.get(url).content.decode()
    assert client.post(url, {"reason": "over", "confirm_text": program.name}).status_code == 422
    assert not AccessBlock.objects.exists()
    assert client.post(url, {"reason": "over", "confirm_text": "Wave 2"}).status_code == 302
    assert api_status(token_for(inside[0])) == 403


def test_suspending_stays_one_step_and_a_token_revoke_too(client, manager, program, tester):
    block = reverse("console:block", args=[program.slug])
    client.post(
        block,
        {"level": "membership", "target_id": tester.pk, "kind": "suspension", "reason": "spam"},
    )
    assert AccessBlock.objects.get().kind == "suspension"
    secret = token_for(MembershipFactory(program=program), "leaky")
    token = ApiToken.objects.get(name="leaky")
    client.post(
        block, {"level": "token", "target_id": token.pk, "kind": "revocation", "reason": "leak"}
    )
    assert AccessBlock.objects.filter(level="token", kind="revocation").exists()
    assert api_status(secret) == 401


def test_staff_and_other_programs_cannot_reach_the_confirmations(client, program, tester):
    reviewer = MembershipFactory(program=program, role=Membership.Role.REVIEWER)
    client.force_login(reviewer.user)
    assert client.get(kill_url(program)).status_code == 404
    url = reverse("console:revoke-confirm", args=[program.slug, "membership", tester.pk])
    assert client.get(url).status_code == 404
    manager = MembershipFactory(role=Membership.Role.PROGRAM_MANAGER)
    client.force_login(manager.user)
    other = reverse("console:revoke-confirm", args=[manager.program.slug, "membership", tester.pk])
    assert client.get(other).status_code == 404
    staff = reverse("console:revoke-confirm", args=[program.slug, "membership", reviewer.pk])
    assert client.get(staff).status_code == 404


def test_a_paused_program_is_not_paused_twice(client, manager, program):
    ok = client.post(kill_url(program), {"reason": "leak", "confirm_name": program.name})
    assert ok.status_code == 302
    again = client.post(kill_url(program), {"reason": "leak", "confirm_name": program.name})
    assert again.status_code == 302
    assert client.get(kill_url(program)).status_code == 302
    assert AccessBlock.objects.filter(level="program").count() == 1
