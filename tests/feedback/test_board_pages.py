"""The board over HTTP: testers post, see and vote (htmx) on their programs' items only; staff
move items on, merge duplicates and publish release notes that credit reporters."""

import pytest
from django.core import mail
from query_counts import assert_flat

from accessprogram.feedback import board
from accessprogram.feedback.models import BoardItem, BoardUpdate, BoardVote, ReleaseNote
from accessprogram.programs.models import Membership
from clients import signed_in
from factories import MembershipFactory


@pytest.fixture
def manager(program):
    return MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER).user


def post(membership, title="Longer clips"):
    return board.post_item(membership=membership, kind="feature", title=title, body="Please.")


def test_a_tester_posts_and_others_vote_once(program, tester):
    client = signed_in(tester)
    response = client.post(
        "/feedback/board/new",
        {"membership": tester.pk, "kind": "issue", "title": "Legs flicker", "body": "Herons."},
    )
    item = BoardItem.objects.get()
    assert response["Location"] == f"/feedback/board/{item.pk}/"
    voter = signed_in(MembershipFactory(program=program))
    assert "Legs flicker" in voter.get("/feedback/board/").content.decode()
    voted = voter.post(f"/feedback/board/{item.pk}/vote", headers={"HX-Request": "true"})
    assert 'data-testid="vote-count">2<' in voted.content.decode()
    assert 'aria-pressed="true"' in voted.content.decode()
    unvoted = voter.post(f"/feedback/board/{item.pk}/vote", headers={"HX-Request": "true"})
    assert 'data-testid="vote-count">1<' in unvoted.content.decode()
    assert BoardVote.objects.filter(item=item).count() == 1


def test_items_of_other_programs_are_404(program, tester):
    item = post(tester)
    outsider = signed_in(MembershipFactory())
    assert outsider.get(f"/feedback/board/{item.pk}/").status_code == 404
    assert outsider.post(f"/feedback/board/{item.pk}/vote").status_code == 404
    assert "Longer clips" not in outsider.get("/feedback/board/").content.decode()
    assert BoardVote.objects.filter(item=item).count() == 1


def test_staff_move_an_item_on_and_the_reporter_and_voters_see_it(
    program, tester, manager, eager_celery, django_capture_on_commit_callbacks
):
    item = post(tester)
    voter = MembershipFactory(program=program)
    board.vote(item=item, membership=voter)
    staff = signed_in(manager)
    assert "Longer clips" in staff.get(f"/console/feedback/{program.slug}/board/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            f"/console/feedback/{program.slug}/board/{item.pk}/status",
            {"status": "shipped", "note": "In today's release."},
        )
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == sorted([tester.user.email, voter.user.email])
    reporter = signed_in(tester)
    assert (
        "is now <strong>fixed / shipped</strong>"
        in reporter.get("/feedback/board/").content.decode()
    )
    page = reporter.get(f"/feedback/board/{item.pk}/").content.decode()
    assert "In today&#x27;s release." in page
    assert not BoardUpdate.objects.filter(user=tester.user, read_at__isnull=True).exists()


def test_only_managers_change_status(program, tester):
    item = post(tester)
    reviewer = signed_in(MembershipFactory(program=program, role=Membership.Role.REVIEWER))
    url = f"/console/feedback/{program.slug}/board/{item.pk}/status"
    assert reviewer.post(url, {"status": "planned"}).status_code == 404
    assert signed_in(tester).post(url, {"status": "planned"}).status_code == 404
    assert BoardItem.objects.get().status == "received"


def test_merging_over_http_keeps_the_votes(program, tester, manager):
    original, duplicate = post(tester), post(MembershipFactory(program=program), "20 s clips")
    board.vote(item=duplicate, membership=MembershipFactory(program=program))
    response = signed_in(manager).post(
        f"/console/feedback/{program.slug}/board/{duplicate.pk}/merge",
        {"into": original.pk, "confirm": "on"},
    )
    assert response["Location"].endswith(f"/board/{original.pk}/")
    assert BoardVote.objects.filter(item=original).count() == 3


def test_merging_needs_a_confirmation(program, tester, manager):
    original, duplicate = post(tester), post(MembershipFactory(program=program), "20 s clips")
    signed_in(manager).post(
        f"/console/feedback/{program.slug}/board/{duplicate.pk}/merge", {"into": original.pk}
    )
    assert BoardItem.objects.get(pk=duplicate.pk).merged_into is None


def test_a_release_note_credits_the_reporter_for_testers(program, tester, manager):
    item = post(tester, "Legs flicker")
    board.change_status(item=item, status="shipped", actor=manager)
    response = signed_in(manager).post(
        f"/console/feedback/{program.slug}/releases/new",
        {"title": "March release", "body": "Steadier herons.", "items": [item.pk]},
    )
    assert response.status_code == 302 and ReleaseNote.objects.get().items.get() == item
    page = signed_in(tester).get("/feedback/releases/").content.decode()
    assert "March release" in page and f"reported by {tester.user.username}" in page


def test_the_board_pages_take_as_many_queries_at_100_items_as_at_10(program, tester, manager):
    def grow(n):
        for i in range(n):
            item = post(MembershipFactory(program=program), f"Idea {i}")
            board.vote(item=item, membership=tester)

    assert_flat(signed_in(tester), "/feedback/board/", grow)
    staff = signed_in(manager)
    assert_flat(staff, f"/console/feedback/{program.slug}/board/", grow)


def test_staff_put_a_bug_report_on_the_board_and_its_reporter_follows_it(
    program, tester, manager, eager_celery, django_capture_on_commit_callbacks
):
    from accessprogram.feedback.bugs import file_bug

    bug = file_bug(
        membership=tester,
        title="Legs flicker",
        steps="Generate a heron.",
        expected="Steady legs",
        actual="Flicker (see my private video)",
        severity="high",
    )
    staff = signed_in(manager)
    assert (
        "Put on the board"
        in staff.get(f"/console/feedback/{program.slug}/bugs/{bug.pk}/").content.decode()
    )
    response = staff.post(
        f"/console/feedback/{program.slug}/bugs/{bug.pk}/board",
        {"title": "Wading birds' legs flicker", "body": "Seen on several heron clips."},
    )
    item = BoardItem.objects.get(bug=bug)
    assert response["Location"].endswith(f"/board/{item.pk}/")
    assert item.reporter == tester.user and item.kind == "issue"
    again = staff.post(
        f"/console/feedback/{program.slug}/bugs/{bug.pk}/board", {"title": "x", "body": "y"}
    )
    assert again.status_code == 302 and BoardItem.objects.filter(bug=bug).count() == 1
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        board.change_status(item=item, status="under_review", actor=manager)
    assert [m.to for m in mail.outbox] == [[tester.user.email]]
    page = signed_in(tester).get(f"/feedback/bugs/{bug.pk}/").content.decode()
    assert f'href="/feedback/board/{item.pk}/"' in page and "Under review" in page


def test_the_release_notes_take_as_many_queries_at_100_as_at_10(program, tester, manager):
    def grow(n):
        for i in range(n):
            item = post(MembershipFactory(program=program), f"Fix {i}")
            board.publish_release_note(
                program=program, title=f"Release {i}", body="Fixes.", items=[item], actor=manager
            )

    assert_flat(signed_in(tester), "/feedback/releases/", grow)
