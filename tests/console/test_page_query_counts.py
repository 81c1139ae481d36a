"""Console pages send as many queries at 100 rows as at 10: lists are paged or aggregated,
labels come from joins, never from one query per row (or per cohort)."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone
from query_counts import assert_flat

from accessprogram.programs.models import Agreement, Cohort, Invitation, Membership
from factories import GenerationFactory, MembershipFactory, UserFactory
from generation.models import Generation
from review.models import ReviewDecision, ShareRequest

pytestmark = pytest.mark.django_db
serial = itertools.count()


@pytest.fixture
def admin_client(client, program):
    client.force_login(MembershipFactory(program=program, role=Membership.Role.ADMIN).user)
    return client


def add_testers_in_new_cohorts(program, n):
    for _ in range(n):
        cohort = Cohort.objects.create(program=program, name=f"Wave {next(serial)}")
        MembershipFactory(program=program, cohort=cohort)


def test_program_page(admin_client, program):
    url = f"/console/programs/{program.slug}/"
    assert_flat(admin_client, url, lambda n: add_testers_in_new_cohorts(program, n))


def test_member_page(admin_client, program, tester):
    url = f"/console/programs/{program.slug}/members/{tester.pk}/"
    assert_flat(admin_client, url, lambda n: add_testers_in_new_cohorts(program, n))


def add_invitations(program, n):
    now = timezone.now()
    for _ in range(n):
        i = next(serial)
        cohort = Cohort.objects.create(program=program, name=f"Wave {i}")
        Invitation.objects.create(
            program=program,
            cohort=cohort,
            email=f"guest{i}@example.com",
            digest=f"{i:064d}",
            status=[Invitation.Status.SENT, Invitation.Status.REVOKED][i % 2],
            expires_at=now + timedelta(days=[-1, 7][i % 3 % 2]),
        )


@pytest.mark.parametrize("status", ["", "expired"])
def test_invitations_page(admin_client, program, status):
    url = f"/console/programs/{program.slug}/invitations/?status={status}"
    assert_flat(admin_client, url, lambda n: add_invitations(program, n))


def test_the_status_filter_finds_old_invitations_behind_many_newer_ones(admin_client, program):
    old = Invitation.objects.create(
        program=program,
        email="old@example.com",
        digest="f" * 64,
        status=Invitation.Status.SENT,
        expires_at=timezone.now() - timedelta(days=1),  # expired by date, never marked
    )
    Invitation.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=90))
    Invitation.objects.bulk_create(
        Invitation(
            program=program,
            email=f"new{i}@example.com",
            digest=f"{i:064d}",
            status=Invitation.Status.EXPIRED,
            expires_at=timezone.now(),
        )
        for i in range(520)
    )
    base = f"/console/programs/{program.slug}/invitations/?status="
    assert "old@example.com" not in admin_client.get(base + "sent").content.decode()
    last = admin_client.get(base + "expired").context["invitations"].paginator.num_pages
    page = admin_client.get(f"{base}expired&page={last}").content.decode()
    assert "old@example.com" in page


def test_agreements_page_after_a_new_version(admin_client, program):
    now = timezone.now()
    Agreement.objects.create(
        program=program, version=1, text="v1", published_at=now, required_from=now
    )
    url = f"/console/programs/{program.slug}/agreements/"
    assert_flat(admin_client, url, lambda n: add_testers_in_new_cohorts(program, n))


def add_generations(program, n):
    tester = MembershipFactory(program=program).user
    statuses = itertools.cycle(Generation.Status.values)
    for _ in range(n):
        GenerationFactory(program=program, tester=tester, status=next(statuses))


def test_dashboard(admin_client, program):
    assert_flat(admin_client, "/console/", lambda n: add_generations(program, n))


def add_decided_requests(program, reviewers, n):
    now = timezone.now()
    tester = MembershipFactory(program=program).user
    for i in range(n):
        generation = GenerationFactory(
            program=program, tester=tester, status=Generation.Status.COMPLETED
        )
        created = now - timedelta(hours=10 + i % 7)
        share_request = ShareRequest.objects.create(
            generation=generation,
            requested_by=tester,
            program=program,
            intended_use="portfolio",
            destination="site",
            status=ShareRequest.Status.APPROVED,
            created_at=created,
            decided_at=created + timedelta(hours=1 + i % 5),
        )
        ReviewDecision.objects.create(
            share_request=share_request,
            reviewer=reviewers[i % len(reviewers)],
            outcome="approve",
            created_at=share_request.decided_at,
        )


def test_review_service_levels(admin_client, program):
    reviewers = [
        MembershipFactory(program=program, role=Membership.Role.REVIEWER, user=UserFactory()).user
        for _ in range(2)
    ]
    url = "/console/review/"
    assert_flat(admin_client, url, lambda n: add_decided_requests(program, reviewers, n))
