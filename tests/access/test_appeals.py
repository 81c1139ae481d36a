"""Appeals over HTTP: the tester appeals once per block from the notice page, the program's
managers decide in the console queue (uphold, or lift), the tester sees the decision in the
portal and by email, and each step is audited. Other people's notices and appeals are 404."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from query_counts import assert_flat

from accessprogram.access.block_notices import write_notices
from accessprogram.access.blocks import blocks_in_force
from accessprogram.access.models import AccessBlock, BlockAppeal, BlockNotice
from accessprogram.access.revocation import block_access
from accessprogram.audit.models import AuditRecord
from accessprogram.programs.models import Membership
from clients import signed_in
from factories import MembershipFactory, token_for

Kind = AccessBlock.Kind


@pytest.fixture
def manager(program):
    return MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER).user


def blocked(membership, *, kind=Kind.SUSPENSION, actor=None) -> BlockNotice:
    block = block_access(
        target=membership, kind=kind, reason="Shared before approval.", actor=actor
    )
    write_notices(block=block)
    return BlockNotice.objects.get(block=block, user=membership.user)


def appeal_over_http(client, notice, message="It was a private link to my own team."):
    return client.post(f"/notices/{notice.pk}/", {"message": message})


def test_round_trip_tester_appeals_manager_lifts_tester_sees_it(
    client, program, tester, manager, django_capture_on_commit_callbacks
):
    notice = blocked(tester, actor=manager)
    tester_client = signed_in(tester)
    page = tester_client.get(f"/notices/{notice.pk}/").content.decode()
    assert "Shared before approval." in page and "A program manager" in page
    assert 'name="message"' in page

    response = appeal_over_http(tester_client, notice)
    assert response.status_code == 302
    appeal = BlockAppeal.objects.get()
    assert appeal.notice == notice and appeal.status == "open"
    assert appeal.due_at - appeal.created_at == timedelta(hours=72)

    staff = signed_in(manager)
    queue = staff.get("/console/appeals/").content.decode()
    assert f'id="appeal-{appeal.pk}"' in queue and "in 2" in queue  # due in 2 days, 23 hours
    assert "It was a private link" in staff.get(f"/console/appeals/{appeal.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        decided = staff.post(
            f"/console/appeals/{appeal.pk}/",
            {"decision": "lift", "reason": "A private link to the team is allowed."},
        )
    assert decided.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == "lifted" and appeal.decided_by == manager
    assert not blocks_in_force().filter(pk=notice.block_id).exists()
    assert [m.to for m in mail.outbox] == [[tester.user.email]]
    assert "granted" in mail.outbox[0].subject
    assert "A private link to the team is allowed." in mail.outbox[0].body
    actions = list(AuditRecord.objects.values_list("action", flat=True))
    assert {"access.appeal_submitted", "access.appeal_lifted", "access.reinstated"} <= set(actions)

    # The tester is not blocked any more, and the notice is new again, with the decision.
    tester_client = signed_in(tester)
    listing = tester_client.get("/notices/").content.decode()
    assert "New" in listing and "Appeal granted" in listing
    page = tester_client.get(f"/notices/{notice.pk}/").content.decode()
    assert "The block is lifted. A private link to the team is allowed." in page
    assert 'name="message"' not in page
    # With the block gone there is no banner; the account page still leads to the notices.
    assert 'href="/notices/"' in tester_client.get("/account/").content.decode()


def test_upholding_keeps_the_block_and_tells_the_tester(
    program, tester, manager, django_capture_on_commit_callbacks
):
    notice = blocked(tester, actor=manager)
    appeal_over_http(signed_in(tester), notice)
    appeal = BlockAppeal.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(manager).post(
            f"/console/appeals/{appeal.pk}/", {"decision": "uphold", "reason": "Clear breach."}
        )
    appeal.refresh_from_db()
    assert appeal.status == "upheld"
    assert blocks_in_force().filter(pk=notice.block_id).exists()
    assert "turned down" in mail.outbox[0].subject
    assert AuditRecord.objects.filter(action="access.appeal_upheld").exists()


def test_a_tester_appeals_once_per_block(program, tester):
    notice = blocked(tester)
    client = signed_in(tester)
    appeal_over_http(client, notice, "first")
    again = appeal_over_http(client, notice, "second")
    assert again.status_code == 302
    assert list(BlockAppeal.objects.values_list("message", flat=True)) == ["first"]
    assert "appealed this block already" in client.get(again["Location"]).content.decode()


def test_an_empty_appeal_is_refused(program, tester):
    notice = blocked(tester)
    response = appeal_over_http(signed_in(tester), notice, "   ")
    assert response.status_code == 200
    assert not BlockAppeal.objects.exists()


def test_other_testers_notices_are_404(program, tester):
    notice = blocked(tester)
    other = signed_in(MembershipFactory(program=program))
    assert other.get(f"/notices/{notice.pk}/").status_code == 404
    assert appeal_over_http(other, notice).status_code == 404
    assert not BlockAppeal.objects.exists()
    assert f"/notices/{notice.pk}/" not in other.get("/notices/").content.decode()


@pytest.mark.parametrize("role", ["reviewer", "finance", "tester"])
def test_only_managers_of_the_program_see_and_decide_appeals(program, tester, role):
    notice = blocked(tester)
    appeal_over_http(signed_in(tester), notice)
    appeal = BlockAppeal.objects.get()
    someone = signed_in(MembershipFactory(program=program, role=role))
    assert someone.get("/console/appeals/").status_code == 404
    assert someone.get(f"/console/appeals/{appeal.pk}/").status_code == 404
    elsewhere = signed_in(MembershipFactory(role=Membership.Role.PROGRAM_MANAGER))
    assert elsewhere.get("/console/appeals/").status_code == 200
    lift = {"decision": "lift", "reason": "no"}
    assert elsewhere.post(f"/console/appeals/{appeal.pk}/", lift).status_code == 404
    assert BlockAppeal.objects.get().status == "open"


def test_a_revocation_can_only_be_upheld(program, tester, manager):
    notice = blocked(tester, kind=Kind.REVOCATION, actor=manager)
    appeal_over_http(signed_in(tester), notice)
    appeal = BlockAppeal.objects.get()
    staff = signed_in(manager)
    assert 'value="lift"' not in staff.get(f"/console/appeals/{appeal.pk}/").content.decode()
    response = staff.post(f"/console/appeals/{appeal.pk}/", {"decision": "lift", "reason": "x"})
    assert response.status_code == 200
    assert BlockAppeal.objects.get().status == "open"


def test_overdue_appeals_are_flagged(program, tester, manager):
    notice = blocked(tester)
    appeal_over_http(signed_in(tester), notice)
    BlockAppeal.objects.update(due_at=timezone.now() - timedelta(hours=5))
    assert "Overdue by 5" in signed_in(manager).get("/console/appeals/").content.decode()


def test_the_lists_take_as_many_queries_at_100_rows_as_at_10(program, manager):
    tester = MembershipFactory(program=program)
    token_for(tester)
    token = tester.api_tokens.get()

    def grow_notices(n):  # token blocks: they leave the tester's web session alone
        for _ in range(n):
            block = block_access(target=token, kind=Kind.SUSPENSION, reason="r")
            write_notices(block=block)

    assert_flat(signed_in(tester), "/notices/", grow_notices)

    def grow_appeals(n):
        for _ in range(n):
            notice = blocked(MembershipFactory(program=program))
            BlockAppeal.objects.create(
                notice=notice, program=program, message="m", due_at=timezone.now()
            )

    assert_flat(signed_in(manager), "/console/appeals/", grow_appeals)
