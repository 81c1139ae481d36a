"""Versioned program agreements: nobody uses the portal or the API of a program before accepting
its current version, and a new version needs accepting again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accessprogram.access.selectors import check_token_access, token_for_secret
from accessprogram.audit.models import AuditRecord
from accessprogram.programs.models import AgreementAcceptance, Membership
from accessprogram.programs.services import OnboardingError, accept_agreement, publish_agreement
from factories import MembershipFactory, ProgramFactory, token_for


def api_get(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get("/v1/videos")


def test_versions_count_up_per_program(program):
    first = publish_agreement(program=program, text="Keep it secret.")
    second = publish_agreement(program=program, text="Keep it very secret.")
    other = publish_agreement(program=ProgramFactory(), text="Other terms.")
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert AuditRecord.objects.filter(action="agreement.publish").count() == 3


def test_an_empty_agreement_is_refused_and_nothing_is_written(program):
    with pytest.raises(OnboardingError, match="empty"):
        publish_agreement(program=program, text="   ")
    assert not program.agreements.exists()


def test_agreement_re_acceptance_blocking_the_api(tester, token):
    """The API answers 403 with a clear message until the current version is accepted."""
    program = tester.program
    assert api_get(token).status_code == 200  # no agreement: nothing to accept
    v1 = publish_agreement(program=program, text="Version one.")
    response = api_get(token)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["type"] == "permission_error"
    assert error["message"] == (
        "Accept the program agreement (version 1) in the portal before using the API."
    )
    accept_agreement(user=tester.user, agreement=v1, ip_address="203.0.113.5")
    assert api_get(token).status_code == 200

    publish_agreement(program=program, text="Version two: new terms.")
    response = api_get(token)
    assert response.status_code == 403
    assert "(version 2)" in response.json()["error"]["message"]

    client = APIClient()
    client.force_login(tester.user)
    page = client.post(
        reverse("programs:agreement", args=[program.slug]),
        {"accept": "yes"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert page.status_code == 302
    assert api_get(token).status_code == 200
    acceptance = AgreementAcceptance.objects.get(user=tester.user, agreement__version=2)
    assert acceptance.ip_address == "198.51.100.7"
    assert AuditRecord.objects.filter(action="agreement.accept").count() == 2


def test_the_agreement_check_is_part_of_the_single_token_query(tester, token):
    publish_agreement(program=tester.program, text="Terms.")
    with CaptureQueriesContext(connection) as queries:
        found = token_for_secret(secret=token)
        with pytest.raises(Exception, match=r"version 1"):
            check_token_access(token=found)
    assert len(queries.captured_queries) == 1


def test_another_testers_acceptance_does_not_count(program):
    alice, bob = MembershipFactory(program=program), MembershipFactory(program=program)
    agreement = publish_agreement(program=program, text="Terms.")
    accept_agreement(user=alice.user, agreement=agreement, ip_address=None)
    assert api_get(token_for(alice)).status_code == 200
    assert api_get(token_for(bob)).status_code == 403


def test_accepting_an_older_version_does_not_count(tester, token):
    v1 = publish_agreement(program=tester.program, text="One.")
    publish_agreement(program=tester.program, text="Two.")
    accept_agreement(user=tester.user, agreement=v1, ip_address=None)
    assert "(version 2)" in api_get(token).json()["error"]["message"]


def test_portal_pages_redirect_to_the_agreement_until_accepted(client, tester):
    publish_agreement(program=tester.program, text="Portal terms.")
    client.force_login(tester.user)
    agreement_url = reverse("programs:agreement", args=[tester.program.slug])
    for url in (reverse("portal:home"), reverse("tokens")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(agreement_url)
    page = client.get(agreement_url)
    assert page.status_code == 200
    assert "Portal terms." in page.content.decode()

    # Not ticking the box accepts nothing.
    client.post(agreement_url, {})
    assert not AgreementAcceptance.objects.exists()

    response = client.post(agreement_url, {"accept": "yes", "next": reverse("tokens")})
    assert response["Location"] == reverse("tokens")
    assert client.get(reverse("portal:home")).status_code == 200
    assert client.get(reverse("tokens")).status_code == 200


def test_staff_and_suspended_testers_are_not_gated(client, program):
    publish_agreement(program=program, text="Terms.")
    reviewer = MembershipFactory(program=program, role=Membership.Role.REVIEWER)
    client.force_login(reviewer.user)
    assert client.get(reverse("portal:home")).status_code == 200


def test_accepted_versions_are_listed_and_readable(client, tester):
    v1 = publish_agreement(program=tester.program, text="The first words.")
    accept_agreement(user=tester.user, agreement=v1, ip_address=None)
    publish_agreement(program=tester.program, text="The second words.")
    client.force_login(tester.user)
    listing = client.get(reverse("programs:agreements")).content.decode()
    assert "Version 1" in listing
    assert "version 2" in listing  # still waiting
    old = client.get(reverse("programs:accepted-version", args=[tester.program.slug, 1]))
    assert "The first words." in old.content.decode()
    # A version never accepted is not readable through the archive.
    assert (
        client.get(reverse("programs:accepted-version", args=[tester.program.slug, 2])).status_code
        == 404
    )


def test_the_agreement_page_of_someone_elses_program_is_404(client, tester):
    other = ProgramFactory()
    publish_agreement(program=other, text="Not yours.")
    client.force_login(tester.user)
    assert client.get(reverse("programs:agreement", args=[other.slug])).status_code == 404


def test_accepting_twice_keeps_one_acceptance(tester):
    agreement = publish_agreement(program=tester.program, text="Terms.")
    first = accept_agreement(user=tester.user, agreement=agreement, ip_address="192.0.2.1")
    second = accept_agreement(user=tester.user, agreement=agreement, ip_address="192.0.2.2")
    assert first.pk == second.pk
    assert AgreementAcceptance.objects.count() == 1


def test_program_managers_publish_in_the_console_and_see_who_has_not_accepted(client, tester):
    manager = MembershipFactory(program=tester.program, role=Membership.Role.PROGRAM_MANAGER)
    client.force_login(manager.user)
    url = reverse("console:agreements", args=[tester.program.slug])
    response = client.post(url, {"title": "NDA", "text": "Say nothing."})
    assert response.status_code == 302  # to the preview of the draft
    publish = reverse("console:agreement-preview", args=[tester.program.slug])
    response = client.post(publish, {"when": "now", "confirm_name": tester.program.name})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert tester.user.email in page
    assert tester.program.agreements.get().published_by == manager.user


@pytest.mark.parametrize("role", ["reviewer", "finance", "tester"])
def test_other_roles_get_404_on_the_agreements_console(client, program, role):
    member = MembershipFactory(program=program, role=role)
    client.force_login(member.user)
    assert client.get(reverse("console:agreements", args=[program.slug])).status_code == 404


def test_a_manager_of_another_program_gets_404(client, program):
    manager = MembershipFactory(role=Membership.Role.PROGRAM_MANAGER)
    client.force_login(manager.user)
    assert client.get(reverse("console:agreements", args=[program.slug])).status_code == 404


def test_htmx_requests_are_sent_to_the_agreement_as_a_whole_page(client, tester):
    publish_agreement(program=tester.program, text="Terms.")
    client.force_login(tester.user)
    response = client.get(reverse("portal:home"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("programs:agreement", args=[tester.program.slug])
