"""Lower layers announce what happened with signals; this layer turns them into webhook events.

`video.completed` follows the watermarked preview (when the API starts answering `completed`
and serving the content), `video.failed` the sweep's outcome; share requests follow review's
decision. Each runs in the sender's transaction: the event and its deliveries commit with it.
"""

from django.dispatch import receiver

from accessprogram.programs.models import Membership
from generation.models import Generation
from generation.signals import generation_finished, preview_ready
from review.signals import share_request_decided

from .events import announce
from .models import WebhookEndpoint

EventType = WebhookEndpoint.EventType


def _tester_membership(*, user_id, program_id) -> Membership | None:
    return Membership.objects.filter(
        user_id=user_id, program_id=program_id, role=Membership.Role.TESTER
    ).first()


def _announce_video(generation: Generation, event_type: str) -> None:
    membership = _tester_membership(user_id=generation.tester_id, program_id=generation.program_id)
    if membership is not None:
        announce(
            membership=membership,
            event_type=event_type,
            subject_id=generation.public_id,
            data={"id": generation.public_id},
        )


@receiver(preview_ready, dispatch_uid="webhooks.preview_ready")
def on_preview_ready(*, generation, **kwargs):
    _announce_video(generation, EventType.VIDEO_COMPLETED)


@receiver(generation_finished, dispatch_uid="webhooks.generation_finished")
def on_generation_finished(*, public_id, outcome, **kwargs):
    if outcome != "failed":
        return  # completed: announced once the preview is ready (on_preview_ready)
    generation = Generation.objects.filter(public_id=public_id).first()
    if generation is not None:
        _announce_video(generation, EventType.VIDEO_FAILED)


@receiver(share_request_decided, dispatch_uid="webhooks.share_request_decided")
def on_share_request_decided(*, share_request, share_url, **kwargs):
    membership = _tester_membership(
        user_id=share_request.requested_by_id, program_id=share_request.program_id
    )
    if membership is None:
        return
    approved = share_request.status == "approved"
    data = {
        "id": f"share_request_{share_request.pk}",
        "video_id": share_request.generation.public_id,
        "status": share_request.status,
        "share_url": share_url or None,
    }
    announce(
        membership=membership,
        event_type=EventType.SHARE_APPROVED if approved else EventType.SHARE_REJECTED,
        subject_id=data["id"],
        data=data,
    )
