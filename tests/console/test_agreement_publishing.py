"""The console's agreement flow over HTTP: draft, preview with the diff, publish with a grace
period or at once with the program's name typed."""

import pytest
from django.urls import reverse

from accessprogram.programs.models import Agreement, AgreementDraft, Membership
from accessprogram.programs.services import publish_agreement
from factories import MembershipFactory


@pytest.fixture
def manager(client, program):
    staff = MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER)
    client.force_login(staff.user)
    return staff


def test_save_draft_then_preview_shows_the_diff_and_the_rendered_text(client, manager, program):
    publish_agreement(program=program, text="Keep it secret.\nNo screenshots.")
    response = client.post(
        reverse("console:agreements", args=[program.slug]),
        {
            "title": "Program agreement",
            "text": "Keep it **secret**.\nNo screenshots.\n<script>x</script>",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("console:agreement-preview", args=[program.slug])
    assert not Agreement.objects.filter(version=2).exists()  # a draft changes nothing yet

    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="agreement-diff"' in page
    assert "<del>Keep it secret.</del>" in page
    assert "<ins>Keep it **secret**.</ins>" in page
    assert "<strong>secret</strong>" in page
    assert "<script>x</script>" not in page


def test_publish_with_a_grace_period(client, manager, program):
    client.post(
        reverse("console:agreements", args=[program.slug]), {"title": "T", "text": "Terms."}
    )
    response = client.post(
        reverse("console:agreement-preview", args=[program.slug]),
        {"when": "grace", "grace_days": "10"},
        follow=True,
    )
    agreement = Agreement.objects.get(program=program)
    assert (agreement.required_from - agreement.published_at).days == 10
    assert agreement.published_by == manager.user
    assert "keep their access until" in response.content.decode()
    assert not AgreementDraft.objects.exists()


def test_publishing_immediately_needs_the_program_name_typed(client, manager, program):
    client.post(
        reverse("console:agreements", args=[program.slug]), {"title": "T", "text": "Terms."}
    )
    url = reverse("console:agreement-preview", args=[program.slug])
    wrong = client.post(url, {"when": "now", "confirm_name": "not the name"})
    assert wrong.status_code == 200
    assert f"Type {program.name} exactly" in wrong.content.decode()
    assert not Agreement.objects.exists()

    right = client.post(url, {"when": "now", "confirm_name": program.name})
    assert right.status_code == 302
    agreement = Agreement.objects.get(program=program)
    assert agreement.required_from == agreement.published_at


def test_preview_without_a_draft_goes_back_to_the_form(client, manager, program):
    response = client.get(reverse("console:agreement-preview", args=[program.slug]))
    assert response.status_code == 302
    assert response["Location"] == reverse("console:agreements", args=[program.slug])


def test_a_draft_can_be_discarded(client, manager, program):
    client.post(
        reverse("console:agreements", args=[program.slug]), {"title": "T", "text": "Terms."}
    )
    client.post(reverse("console:agreement-draft-discard", args=[program.slug]))
    assert not AgreementDraft.objects.exists()


def test_other_roles_and_other_programs_get_404(client, program):
    reviewer = MembershipFactory(program=program, role=Membership.Role.REVIEWER)
    client.force_login(reviewer.user)
    assert client.get(reverse("console:agreements", args=[program.slug])).status_code == 404
    assert client.get(reverse("console:agreement-preview", args=[program.slug])).status_code == 404
