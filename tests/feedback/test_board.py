""" "You said, we did": status changes tell exactly the reporter and the voters (portal and
email, once each), merging a duplicate keeps every voter once, release notes credit reporters."""

import pytest
from django.core import mail

from accessprogram.audit.models import AuditRecord
from accessprogram.feedback import board
from accessprogram.feedback.models import BoardItem, BoardUpdate, BoardVote
from accessprogram.feedback.services import FeedbackError
from accessprogram.programs.models import Membership
from factories import MembershipFactory


@pytest.fixture
def manager(program):
    return MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER).user


def post(membership, title="Longer clips", kind="feature"):
    return board.post_item(membership=membership, kind=kind, title=title, body="Up to 20 s.")


def test_a_status_change_tells_exactly_the_reporter_and_the_voters(
    program, tester, manager, eager_celery, django_capture_on_commit_callbacks
):
    item = post(tester)
    voters = [MembershipFactory(program=program) for _ in range(3)]
    for voter in voters:
        board.vote(item=item, membership=voter)
    bystander = MembershipFactory(program=program)
    board.vote(item=post(bystander, "Something else"), membership=bystander)
    with django_capture_on_commit_callbacks(execute=True):
        board.change_status(
            item=item, status="planned", note="In the March release.", actor=manager
        )
    expected = {tester.user.email, *(voter.user.email for voter in voters)}
    assert sorted(message.to[0] for message in mail.outbox) == sorted(expected)  # once each
    assert all("planned" in message.subject for message in mail.outbox)
    reporter_mail = next(m for m in mail.outbox if m.to == [tester.user.email])
    assert "You reported" in reporter_mail.body and "In the March release." in reporter_mail.body
    told = BoardUpdate.objects.filter(item=item)
    assert sorted(told.values_list("user__email", flat=True)) == sorted(expected)
    assert not BoardUpdate.objects.filter(user=bystander.user).exists()
    assert AuditRecord.objects.filter(action="feedback.board.status").count() == 1


def test_one_vote_per_tester(program, tester):
    item = post(tester)
    voter = MembershipFactory(program=program)
    assert board.vote(item=item, membership=voter) is True
    assert board.vote(item=item, membership=voter) is False
    assert BoardVote.objects.filter(item=item).count() == 2  # the reporter's and the voter's
    assert board.unvote(item=item, membership=voter) is True
    assert BoardVote.objects.filter(item=item).count() == 1


def test_testers_of_other_programs_cannot_vote(tester):
    item = post(tester)
    with pytest.raises(FeedbackError):
        board.vote(item=item, membership=MembershipFactory())


def test_merging_moves_the_votes_without_counting_anyone_twice(
    program, tester, manager, eager_celery, django_capture_on_commit_callbacks
):
    original = post(tester, "Longer clips")
    dup_reporter = MembershipFactory(program=program)
    duplicate = post(dup_reporter, "20 second videos please")
    both = MembershipFactory(program=program)  # voted for both: one vote after the merge
    only_dup = MembershipFactory(program=program)
    board.vote(item=original, membership=both)
    board.vote(item=duplicate, membership=both)
    board.vote(item=duplicate, membership=only_dup)
    board.merge(duplicate=duplicate, into=original, actor=manager)
    voters = set(BoardVote.objects.filter(item=original).values_list("user_id", flat=True))
    people = [tester, dup_reporter, both, only_dup]
    assert voters == {member.user_id for member in people}
    assert BoardVote.objects.filter(item=original).count() == 4
    assert not BoardVote.objects.filter(item=duplicate).exists()
    duplicate.refresh_from_db()
    assert duplicate.merged_into == original
    with pytest.raises(FeedbackError):
        board.vote(item=duplicate, membership=MembershipFactory(program=program))
    # The duplicate's people now hear about the original.
    with django_capture_on_commit_callbacks(execute=True):
        board.change_status(item=original, status="shipped", actor=manager)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.user.email for m in people)


def test_merging_refuses_nonsense(program, tester, manager):
    item = post(tester)
    elsewhere = post(MembershipFactory(), "Other program")
    with pytest.raises(FeedbackError):
        board.merge(duplicate=item, into=item, actor=manager)
    with pytest.raises(FeedbackError):
        board.merge(duplicate=item, into=elsewhere, actor=manager)


def test_a_release_note_credits_what_it_fixed(program, tester, manager):
    item = post(tester, "Flicker on legs", kind="issue")
    note = board.publish_release_note(
        program=program, title="March", body="Fixes.", items=[item], actor=manager
    )
    assert list(note.items.all()) == [item] and note.published_at is not None
    with pytest.raises(FeedbackError):
        board.publish_release_note(
            program=program, title="x", body="y", items=[post(MembershipFactory())], actor=manager
        )
    assert BoardItem.objects.get(pk=item.pk).release_notes.get() == note
