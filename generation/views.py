"""Artist portal pages. Every view needs a signed-in user and shows only their own work."""

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accessprogram.access import policy
from accessprogram.access.pages import notice_instead_of_content, refuse_if_blocked
from accessprogram.access.selectors import tokens_of, usable_tester_memberships
from accessprogram.access.staff_views import staff_view
from accessprogram.programs.selectors import onboarding_checklist
from accessprogram.programs.view_access import tester_view

from . import selectors, services
from .forms import GenerateForm
from .media import private_video_response
from .models import Generation, Rendition
from .provenance import selectors as provenance
from .provenance.services import RenditionUnavailable, ensure_preview, retry_rendition


def _own_generation(request, public_id: str) -> Generation:
    """The signed-in tester's generation, unless access to its program is blocked now."""
    generation = get_object_or_404(
        selectors.visible_generations(user=request.user), public_id=public_id
    )
    refuse_if_blocked(user=request.user, program_id=generation.program_id)
    return generation


@tester_view
@require_http_methods(["GET", "POST"])
def home(request):
    memberships = usable_tester_memberships(user=request.user)
    form = GenerateForm(request.POST or None, memberships=memberships)
    if request.method == "POST" and memberships and form.is_valid():
        data = form.cleaned_data
        try:
            generation = services.request_generation(
                membership=data["membership"],
                prompt=data["prompt"],
                seconds=data["seconds"],
                size=data["size"],
                seed=data["seed"],
            )
        except services.GenerationRejected as rejected:
            form.add_error(rejected.param if rejected.param in form.fields else None, str(rejected))
        except (services.GenerationLimitReached, services.AccessWithdrawn) as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "Your video is queued.")
            return redirect("portal:video", public_id=generation.public_id)
    generations = selectors.visible_generations(user=request.user)[:50]
    checklist = []
    if memberships:  # a tester's first steps, shown until every one is done
        checklist = onboarding_checklist(
            user=request.user, has_token=tokens_of(user=request.user).exists()
        )
        checklist = checklist if not all(step.done for step in checklist) else []
    return render(
        request,
        "generation/home.html",
        {
            "form": form,
            "memberships": memberships,
            "generations": generations,
            "checklist": checklist,
        },
    )


def _preview(generation: Generation) -> Rendition | None:
    """The preview of a finished generation, requested if it is missing (a video finished
    before previews existed); None while the generation is unfinished."""
    if generation.status != Generation.Status.COMPLETED:
        return None
    preview = provenance.preview_of(generation=generation)
    if preview is None:
        try:
            preview = ensure_preview(generation=generation)
        except RenditionUnavailable:
            return None
    return preview


def _status_context(generation: Generation) -> dict:
    preview = _preview(generation)
    return {
        "generation": generation,
        "standing": selectors.queue_standing(generation=generation),
        "remaining": selectors.remaining_time(generation=generation),
        "preview": preview,
        # Keep polling while the job runs and while its watermarked preview is prepared.
        "polling": generation.is_active
        or (generation.status == Generation.Status.COMPLETED and preview is None)
        or (preview is not None and preview.status == Rendition.Status.PENDING),
    }


@tester_view
@notice_instead_of_content
@require_GET
def video(request, public_id):
    generation = _own_generation(request, public_id)
    return render(request, "generation/video.html", _status_context(generation))


@tester_view
@notice_instead_of_content
@require_GET
def video_status(request, public_id):
    """The status card alone, polled by htmx while the job is queued or rendering."""
    generation = _own_generation(request, public_id)
    return render(request, "generation/_status_update.html", _status_context(generation))


@tester_view
@notice_instead_of_content
@require_POST
def cancel_video(request, public_id):
    generation = _own_generation(request, public_id)
    if services.cancel_generation(generation=generation):
        messages.info(request, "The generation was cancelled.")
    else:
        messages.warning(request, "That generation had already finished.")
    return redirect("portal:video", public_id=public_id)


@tester_view
@notice_instead_of_content
@require_POST
def retry_preview(request, public_id):
    """Send a preview whose build failed back to the workers."""
    generation = _own_generation(request, public_id)
    preview = provenance.preview_of(generation=generation)
    if preview is not None and retry_rendition(rendition=preview, actor=request.user):
        messages.info(request, "Preparing your watermarked preview again.")
    return redirect("portal:video", public_id=public_id)


@tester_view
@notice_instead_of_content
@require_GET
def video_media(request, public_id):
    """The watermarked preview, for its owner only: never the original, never a public URL."""
    generation = _own_generation(request, public_id)
    preview = provenance.ready_preview(generation=generation)
    if preview is None:
        raise Http404("This video is not ready.")
    return private_video_response(request, storage_key=preview.storage_key)


@tester_view
@notice_instead_of_content
@require_GET
def video_reference(request, public_id):
    """The image a video started from (input_reference, or the frame an edit or extension
    started from), for its owner only: kept privately, never at a public URL."""
    generation = _own_generation(request, public_id)
    if not generation.reference_key:
        raise Http404("This video has no reference image.")
    response = FileResponse(
        default_storage.open(generation.reference_key, "rb"),
        content_type=generation.reference_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@staff_view
@require_GET
def staff_preview_media(request, public_id):
    """The preview for review staff of the generation's program while it is active
    (policy.can_review_output: they watch it before deciding on a share request, like a claim);
    404 for anyone else. Staff need their second factor first (staff_view)."""
    generation = get_object_or_404(
        Generation.objects.filter(deleted_at__isnull=True), public_id=public_id
    )
    if not policy.can_review_output(request.user, generation):
        raise Http404("No such video.")
    preview = provenance.ready_preview(generation=generation)
    if preview is None:
        raise Http404("The preview is not ready.")
    return private_video_response(request, storage_key=preview.storage_key)
