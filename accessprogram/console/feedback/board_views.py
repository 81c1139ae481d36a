"""The program board in the console: items by votes, status changes with a note (the reporter
and the voters are told), merging duplicates, and release notes. Any staff role of the program
sees it; program managers and admins act."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accessprogram.console.permissions import staff_required
from accessprogram.feedback import board, selectors
from accessprogram.feedback.board_forms import (
    BoardStatusForm,
    BugToBoardForm,
    MergeForm,
    ReleaseNoteForm,
)
from accessprogram.feedback.models import BoardItem, BugReport
from accessprogram.feedback.services import FeedbackError

from .views import _acting, _can_act, _viewing


@staff_required
@require_GET
def board_list(request, slug):
    program = _viewing(request, slug)
    context = {
        "program": program,
        "items": selectors.program_board(program=program)[:500],
        "can_act": _can_act(request, program),
    }
    return render(request, "console/feedback/board.html", context)


@staff_required
@require_GET
def board_item(request, slug, item_id: int):
    program = _viewing(request, slug)
    item = get_object_or_404(selectors.program_board(program=program), pk=item_id)
    context = {
        "program": program,
        "item": item,
        "status_form": BoardStatusForm(initial={"status": item.status, "note": item.status_note}),
        "merge_form": MergeForm(),
        "can_act": _can_act(request, program),
    }
    return render(request, "console/feedback/board_item.html", context)


@staff_required
@require_POST
def board_status(request, slug, item_id: int):
    program = _acting(request, slug)
    item = get_object_or_404(BoardItem, program=program, pk=item_id)
    form = BoardStatusForm(request.POST)
    if form.is_valid():
        try:
            board.change_status(
                item=item,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except FeedbackError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Status changed; the reporter and the voters are told.")
    return redirect("console:feedback-board-item", slug=program.slug, item_id=item.pk)


@staff_required
@require_POST
def board_merge(request, slug, item_id: int):
    program = _acting(request, slug)
    duplicate = get_object_or_404(BoardItem, program=program, pk=item_id)
    form = MergeForm(request.POST)
    into = None
    if form.is_valid():
        into = BoardItem.objects.filter(program=program, pk=form.cleaned_data["into"]).first()
    if into is None:
        messages.error(request, "Name an item of this program's board.")
        return redirect("console:feedback-board-item", slug=program.slug, item_id=duplicate.pk)
    try:
        board.merge(duplicate=duplicate, into=into, actor=request.user)
    except FeedbackError as error:
        messages.error(request, str(error))
        return redirect("console:feedback-board-item", slug=program.slug, item_id=duplicate.pk)
    messages.success(request, f"Merged into #{into.pk}; its voters now vote for it.")
    return redirect("console:feedback-board-item", slug=program.slug, item_id=into.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def release_note_new(request, slug):
    program = _acting(request, slug)
    form = ReleaseNoteForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            board.publish_release_note(
                program=program,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                items=form.cleaned_data["items"],
                actor=request.user,
            )
        except FeedbackError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Release note published to the program's testers.")
            return redirect("console:feedback-board", slug=program.slug)
    return render(request, "console/feedback/release_note.html", {"program": program, "form": form})


@staff_required
@require_POST
def bug_to_board(request, slug, bug_id: int):
    program = _acting(request, slug)
    bug = get_object_or_404(BugReport, program=program, pk=bug_id)
    form = BugToBoardForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the item a title and a summary.")
        return redirect("console:feedback-bug", slug=program.slug, bug_id=bug.pk)
    try:
        item = board.put_bug_on_board(
            bug=bug,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            actor=request.user,
        )
    except FeedbackError as error:
        messages.error(request, str(error))
        return redirect("console:feedback-bug", slug=program.slug, bug_id=bug.pk)
    messages.success(request, "On the board: testers can vote; its reporter hears of each step.")
    return redirect("console:feedback-board-item", slug=program.slug, item_id=item.pk)
