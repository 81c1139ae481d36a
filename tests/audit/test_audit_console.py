"""The console's audit log: program managers and admins read their programs' records;
superusers read all of it and verify the chain."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accessprogram.audit.models import AuditRecord
from accessprogram.audit.services import record
from accessprogram.programs.models import Membership
from factories import MembershipFactory, ProgramFactory, UserFactory, token_for

URL = reverse("console:audit")


def shown_sequences(response) -> list[int]:
    """Positions in the log (1 = first written): the page lists every chain, newest first."""
    first = AuditRecord.objects.order_by("id").values_list("id", flat=True).first() or 1
    return [entry.pk - first + 1 for entry in response.context["page"].object_list]


@pytest.fixture
def manager(client, program):
    """A platform administrator: reads the whole log (listing and filters are tested here)."""
    admin = UserFactory(is_superuser=True)
    client.force_login(admin)
    return admin


@pytest.mark.parametrize("role", ["program_manager", "admin"])
def test_managers_and_admins_read_their_programs_records_only(client, program, role):
    elsewhere = ProgramFactory()
    record(action="test.here", target=program, program=program.slug)
    record(action="test.elsewhere", target=elsewhere, program=elsewhere.slug)
    record(action="test.here.too", target=program, program=program.slug)
    client.force_login(MembershipFactory(program=program, role=role).user)
    response = client.get(URL)
    assert response.status_code == 200
    assert shown_sequences(response) == [3, 1]
    assert 'href="/console/audit/"' in response.content.decode()
    assert "Verify chain" not in response.content.decode()
    assert shown_sequences(client.get(URL, {"verify": 1})) == [3, 1]


def test_superusers_read_it_without_any_membership(client, db):
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("role", ["tester", "reviewer", "finance"])
def test_other_roles_get_404(client, program, role):
    client.force_login(MembershipFactory(program=program, role=role).user)
    assert client.get(URL).status_code == 404


def test_a_former_manager_gets_404(client, program):
    staff = MembershipFactory(
        program=program, role=Membership.Role.PROGRAM_MANAGER, status=Membership.Status.REMOVED
    )
    client.force_login(staff.user)
    assert client.get(URL).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_newest_first_fifty_a_page(client, manager, program):
    for step in range(120):
        record(action="test.step", target=program, step=step)
    first = client.get(URL)
    assert shown_sequences(first) == list(range(120, 70, -1))
    last = client.get(URL, {"page": 3, "action": "test.step"})
    assert shown_sequences(last) == list(range(20, 0, -1))
    page = last.content.decode()
    assert "Page 3 of 3" in page
    assert "?page=2&amp;action=test.step" in page  # the filters survive paging
    assert shown_sequences(client.get(URL, {"page": "nonsense"}))[0] == 120


def test_filters_by_action_target_type_and_actor(client, manager, program):
    alice = UserFactory(username="alice", email="alice@example.com")
    bob = UserFactory(username="bob", email="bob@example.com")
    record(action="token.issued", target=program, actor=alice)  # 1
    record(action="token.issued", target=bob, actor=bob)  # 2
    record(action="access.revocation", target=program, actor=bob)  # 3
    record(action="access.revocation", target=program)  # 4, no actor

    assert shown_sequences(client.get(URL, {"action": "token.issued"})) == [2, 1]
    assert shown_sequences(client.get(URL, {"target_type": "accounts.user"})) == [2]
    assert shown_sequences(client.get(URL, {"actor": "BOB@example.com"})) == [3, 2]
    assert shown_sequences(client.get(URL, {"actor": "alice"})) == [1]
    both = client.get(URL, {"action": "access.revocation", "actor": "bob"})
    assert shown_sequences(both) == [3]
    page = both.content.decode()
    assert '<option value="access.revocation" selected>' in page
    assert "bob@example.com" in page


def test_filters_by_date(client, manager, program, tamper):
    written = [record(action="test.day", target=program) for _ in range(3)]
    # Spread the records over three days (their seals break, which the list does not mind).
    today = timezone.now().replace(hour=12)
    for entry, days_ago in zip(written, [10, 5, 0], strict=True):
        tamper.rows().filter(pk=entry.pk).update(
            occurred_at=today - datetime.timedelta(days=days_ago)
        )
    day = lambda days_ago: (today - datetime.timedelta(days=days_ago)).date().isoformat()  # noqa: E731
    assert shown_sequences(client.get(URL, {"date_from": day(5)})) == [3, 2]
    assert shown_sequences(client.get(URL, {"date_to": day(5)})) == [2, 1]
    assert shown_sequences(client.get(URL, {"date_from": day(6), "date_to": day(1)})) == [2]
    assert shown_sequences(client.get(URL, {"date_to": "9999-12-31"})) == [3, 2, 1]


def test_bad_filters_show_errors_not_a_500(client, manager, program):
    record(action="test.step", target=program)
    response = client.get(URL, {"date_from": "yesterday", "action": "no.such.action"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a valid date." in page
    assert "Select a valid choice." in page
    assert shown_sequences(response) == []
    backwards = client.get(URL, {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert "The start date lies after the end date." in backwards.content.decode()


def test_the_chain_is_checked_only_on_request(client, manager, program, committed):
    with committed():
        record(action="test.step", target=program)
        record(action="test.step", target=program)
    plain = client.get(URL)
    assert plain.context["verification"] is None
    assert 'data-testid="verify-result"' not in plain.content.decode()

    checked = client.get(URL, {"verify": "1", "action": "test.step"})
    page = checked.content.decode()
    assert "Intact" in page
    assert "2 records checked in 1 chain" in page
    assert f"<code>program:{program.slug}</code>: 2 records" in page
    assert '<input type="hidden" name="action" value="test.step">' in page  # kept on re-check


def test_a_broken_chain_is_shown(client, manager, program, tamper, committed):
    with committed():
        for step in range(3):
            record(action="test.step", target=program, step=step)
    tamper.rows().filter(sequence=2).update(data={"step": 7})
    page = client.get(URL, {"verify": "1"}).content.decode()
    assert "Broken" in page
    assert (
        f"Audit chain program:{program.slug} broken at record 2: its contents do not match its seal"
    ) in page


def test_records_show_their_chain_and_place(client, manager, program, committed):
    record(action="test.pending", target=program)  # its transaction has not committed
    with committed():
        record(action="test.linked", target=UserFactory())
    page = client.get(URL).content.decode()
    assert "<code>platform</code> #1" in page
    assert f"<code>program:{program.slug}</code> <span" in page
    assert ">pending</span>" in page


def test_records_of_deleted_users_still_show(client, manager, program):
    gone = UserFactory()
    record(action="test.step", target=program, actor=gone)
    gone_id = gone.pk
    gone.delete()
    page = client.get(URL).content.decode()
    assert f"user {gone_id} (deleted)" in page
    assert AuditRecord.objects.get().actor_id == gone_id


def test_records_name_their_program_without_the_caller_saying_so(client, program):
    member = MembershipFactory(program=program)
    token = token_for(member)  # "token.issued" is recorded without an explicit program
    assert token
    client.force_login(MembershipFactory(program=program, role="program_manager").user)
    actions = [entry.action for entry in client.get(URL).context["page"].object_list]
    assert "token.issued" in actions
    client.force_login(MembershipFactory(role="program_manager").user)  # another program
    actions = [entry.action for entry in client.get(URL).context["page"].object_list]
    assert "token.issued" not in actions
