"""The program board for testers: issues and feature requests of their programs, one vote
each, status notes from the team, and release notes. Items of programs the user does not
test in answer 404."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accessprogram.access.selectors import usable_tester_memberships
from accessprogram.programs.models import Membership
from accessprogram.programs.view_access import tester_view

from . import board, selectors
from .board_forms import BoardItemForm
from .services import FeedbackError

ITEMS_SHOWN = 200


def _form(request, data=None):
    return BoardItemForm(data, memberships=usable_tester_memberships(user=request.user))


@tester_view
@require_GET
def board_page(request):
    context = {
        "items": selectors.board_items(user=request.user)[:ITEMS_SHOWN],
        "updates": selectors.board_updates(user=request.user)[:50],
        "form": _form(request),
    }
    return render(request, "feedback/board.html", context)


@tester_view
@require_POST
def board_new(request):
    form = _form(request, request.POST)
    if form.is_valid():
        try:
            item = board.post_item(
                membership=form.cleaned_data["membership"],
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except FeedbackError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Posted. Others in the program can see it and vote.")
            return redirect("feedback:board-item", item_id=item.pk)
    else:
        messages.error(request, "Fill in a title and the details.")
    return redirect("feedback:board")


def _item(request, item_id):
    return get_object_or_404(selectors.board_items(user=request.user), pk=item_id)


@tester_view
@require_GET
def board_item(request, item_id: int):
    item = _item(request, item_id)
    board.mark_read(user=request.user, item=item)
    return render(request, "feedback/board_item.html", {"item": item})


@tester_view
@require_POST
def board_vote(request, item_id: int):
    item = _item(request, item_id)
    membership = get_object_or_404(
        Membership, user=request.user, program_id=item.program_id, role=Membership.Role.TESTER
    )
    try:
        if item.voted:
            board.unvote(item=item, membership=membership)
        else:
            board.vote(item=item, membership=membership)
    except FeedbackError as error:
        messages.error(request, str(error))
    if request.htmx:
        return render(request, "feedback/_vote.html", {"item": _item(request, item_id)})
    return redirect("feedback:board-item", item_id=item.pk)


@tester_view
@require_GET
def releases(request):
    notes = selectors.release_notes(user=request.user)[:50]
    return render(request, "feedback/releases.html", {"notes": notes})
