"""Writes for the program board: posting and voting (testers), status changes and merging
duplicates (program managers), release notes.

A status change tells exactly the item's reporter and its voters, once each: a portal update
row each in one bulk insert, and an email each after commit (feedback.tasks)."""

from django.db import transaction
from django.utils import timezone

from accessprogram.access.blocks import block_in_force
from accessprogram.audit.services import record
from accessprogram.programs.models import Membership, Program

from .models import BoardItem, BoardUpdate, BoardVote, ReleaseNote
from .services import FeedbackError

Status = BoardItem.Status


def _check_tester(membership: Membership) -> None:
    if membership.role != Membership.Role.TESTER or not membership.is_active:
        raise FeedbackError("Only testers with active access can post and vote on the board.")
    if membership.program.status != Program.Status.ACTIVE:
        raise FeedbackError("This program is not open.")
    if block_in_force(membership=membership) is not None:
        raise FeedbackError("Your access to this program is paused.")


@transaction.atomic
def post_item(*, membership: Membership, kind: str, title: str, body: str) -> BoardItem:
    """A new issue or feature request; its reporter's own vote comes with it."""
    _check_tester(membership)
    if kind not in BoardItem.Kind.values:
        raise FeedbackError("Choose an issue or a feature request.")
    if not title.strip() or not body.strip():
        raise FeedbackError("Give it a title and say what you mean.")
    item = BoardItem.objects.create(
        program_id=membership.program_id,
        kind=kind,
        title=title.strip()[:200],
        body=body.strip()[:5000],
        reporter=membership.user,
    )
    BoardVote.objects.create(item=item, user=membership.user)
    record(action="feedback.board.post", target=item, actor=membership.user, kind=kind)
    return item


@transaction.atomic
def put_bug_on_board(*, bug, title: str, body: str, actor) -> BoardItem:
    """Staff show a bug report on the board, in words fit for every tester of the program (the
    report itself may hold private details); its reporter is the item's reporter and voter."""
    if not title.strip() or not body.strip():
        raise FeedbackError("Give the item a title and a summary testers may all read.")
    if BoardItem.objects.filter(bug=bug).exists():
        raise FeedbackError("This report is on the board already.")
    item = BoardItem.objects.create(
        program_id=bug.program_id,
        kind=BoardItem.Kind.ISSUE,
        title=title.strip()[:200],
        body=body.strip()[:5000],
        reporter_id=bug.reporter_id,
        bug=bug,
    )
    BoardVote.objects.create(item=item, user_id=bug.reporter_id)
    record(action="feedback.board.from_bug", target=item, actor=actor, bug=bug.pk)
    return item


def _votable(item: BoardItem, membership: Membership) -> None:
    _check_tester(membership)
    if item.program_id != membership.program_id:
        raise FeedbackError("Vote on items of your own program.")
    if item.merged_into_id is not None:
        raise FeedbackError(f"This item was merged into #{item.merged_into_id}; vote there.")


@transaction.atomic
def vote(*, item: BoardItem, membership: Membership) -> bool:
    """Add the tester's one vote; False if they had voted already."""
    _votable(item, membership)
    _, created = BoardVote.objects.get_or_create(item=item, user=membership.user)
    return created


@transaction.atomic
def unvote(*, item: BoardItem, membership: Membership) -> bool:
    _votable(item, membership)
    return BoardVote.objects.filter(item=item, user=membership.user).delete()[0] > 0


def told_about(item: BoardItem):
    """Whom a change of `item` concerns: its reporter and its voters, each once (user ids)."""
    voters = set(BoardVote.objects.filter(item=item).values_list("user_id", flat=True))
    return voters | {item.reporter_id}


@transaction.atomic
def change_status(*, item: BoardItem, status: str, note: str = "", actor) -> BoardItem:
    item = BoardItem.objects.select_for_update().get(pk=item.pk)
    if status not in Status.values:
        raise FeedbackError("Choose a status.")
    if item.merged_into_id is not None:
        raise FeedbackError(f"This item was merged into #{item.merged_into_id}.")
    if status == item.status and note.strip() == item.status_note:
        raise FeedbackError(f"The item is {item.get_status_display().lower()} already.")
    previous = item.status
    item.status, item.status_note, item.updated_at = status, note.strip()[:2000], timezone.now()
    item.save(update_fields=["status", "status_note", "updated_at"])
    updates = BoardUpdate.objects.bulk_create(
        [
            BoardUpdate(user_id=user_id, item=item, status=status, note=item.status_note)
            for user_id in sorted(told_about(item))
        ],
        batch_size=1000,
    )
    record(
        action="feedback.board.status",
        target=item,
        actor=actor,
        from_status=previous,
        to_status=status,
        told=len(updates),
    )
    from .tasks import send_board_update_emails

    ids = [update.pk for update in updates]
    transaction.on_commit(lambda: send_board_update_emails.delay(ids))
    return item


@transaction.atomic
def merge(*, duplicate: BoardItem, into: BoardItem, actor) -> BoardItem:
    """Fold a duplicate into its original: its voters (and its reporter) vote for the original
    from now on, each once, and the duplicate leaves the board."""
    duplicate, into = (
        BoardItem.objects.select_for_update().get(pk=duplicate.pk),
        BoardItem.objects.select_for_update().get(pk=into.pk),
    )
    if duplicate.pk == into.pk:
        raise FeedbackError("An item cannot be merged into itself.")
    if duplicate.program_id != into.program_id:
        raise FeedbackError("Both items must belong to the same program.")
    if duplicate.merged_into_id is not None or into.merged_into_id is not None:
        raise FeedbackError("Merge into an item that is still on the board.")
    movers = told_about(duplicate)
    BoardVote.objects.bulk_create(
        [BoardVote(item=into, user_id=user_id) for user_id in sorted(movers)],
        ignore_conflicts=True,  # who voted for both keeps one vote
    )
    BoardVote.objects.filter(item=duplicate).delete()
    duplicate.merged_into, duplicate.updated_at = into, timezone.now()
    duplicate.save(update_fields=["merged_into", "updated_at"])
    record(action="feedback.board.merge", target=duplicate, actor=actor, into=into.pk)
    return into


@transaction.atomic
def publish_release_note(*, program: Program, title: str, body: str, items=(), actor):
    """A release note, published now; `items` (of the same program) are credited in it."""
    if not title.strip() or not body.strip():
        raise FeedbackError("A release note needs a title and a text.")
    items = list(items)
    if any(item.program_id != program.pk for item in items):
        raise FeedbackError("Only items of this program can be credited.")
    note = ReleaseNote.objects.create(
        program=program,
        title=title.strip()[:200],
        body=body.strip()[:10000],
        published_at=timezone.now(),
        created_by=actor,
    )
    note.items.set(items)
    record(action="feedback.release_note", target=note, actor=actor, items=len(items))
    return note


def mark_read(*, user, item: BoardItem) -> None:
    BoardUpdate.objects.filter(user=user, item=item, read_at__isnull=True).update(
        read_at=timezone.now()
    )
