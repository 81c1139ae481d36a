"""Public share pages: no sign-in, the published rendition of an approved output only.

Every request looks the link up afresh (review.selectors.share_link_for_token): a revoked or
expired link, a revoked approval, a deleted output, or a tester whose access was revoked under
the program's "stop" policy answers 404 at once, with nothing that tells which. Nothing is
cached: responses say `no-store`, so no browser or proxy keeps a copy past a revocation.
"""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accessprogram.programs.view_access import public_view
from generation.media import stored_video_response
from generation.provenance.selectors import ready_published_rendition

from .selectors import share_link_for_token


def _ready_rendition(token: str):
    """(link, rendition) when the link is live; rendition None while it is being prepared."""
    link = share_link_for_token(token=token)
    if link is None:
        raise Http404("No such page.")
    share_request = link.share_request
    return link, ready_published_rendition(
        generation=share_request.generation, approval_ref=str(share_request.pk)
    )


def _no_store(response):
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"  # the token is the URL: keep it out of Referer
    return response


@public_view
@require_safe
def share_page(request, token):
    link, rendition = _ready_rendition(token)
    if rendition is None:
        # Approved, the shared copy is still being built: a friendly page, but still a 404.
        return _no_store(render(request, "review/share_preparing.html", status=404))
    share_request = link.share_request
    video_url = request.build_absolute_uri(request.path.rstrip("/") + "/video")
    return _no_store(
        render(
            request,
            "review/share_page.html",
            {
                "share_request": share_request,
                "rendition": rendition,
                "title": share_request.caption.splitlines()[0][:90]
                if share_request.caption
                else "A video from the early-access program",
                "page_url": request.build_absolute_uri(request.path),
                "video_url": video_url,
            },
        )
    )


@public_view
@require_safe
def share_video(request, token):
    _, rendition = _ready_rendition(token)
    if rendition is None:
        raise Http404("No such video.")
    return _no_store(stored_video_response(request, storage_key=rendition.storage_key))
