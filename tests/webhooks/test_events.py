"""Which happenings become which events: a video's preview ready (completed), a failed render,
a share request approved or rejected; each to the owner's endpoints only."""

import pytest
from standardwebhooks.webhooks import Webhook

from accessprogram.webhooks.models import WebhookDelivery, WebhookEvent
from factories import GenerationFactory, MembershipFactory
from generation.models import Generation, Rendition
from generation.signals import preview_ready
from review.claims import claim_next_share_request
from review.models import ShareRequest
from review.services import decide, request_share

pytestmark = pytest.mark.django_db(transaction=True)

ASK = {"intended_use": "portfolio", "caption": "Fog study", "destination": "my website"}


@pytest.fixture
def video(tester):
    return GenerationFactory(
        tester=tester.user, program=tester.program, status=Generation.Status.COMPLETED
    )


@pytest.fixture
def reviewer(program):
    return MembershipFactory(program=program, role="reviewer").user


def received_events(receiver, secret) -> list[dict]:
    return [Webhook(secret).verify(r.body, r.headers) for r in receiver.requests]


def test_a_ready_preview_announces_video_completed(endpoint, receiver, video, eager_celery):
    preview_ready.send(sender=Rendition, generation=video)

    [event] = received_events(receiver, endpoint.secret)
    assert event["type"] == "video.completed"
    assert event["data"] == {"id": video.public_id}


def test_another_testers_video_reaches_only_their_endpoints(
    endpoint, receiver, program, eager_celery
):
    other = MembershipFactory(program=program)
    theirs = GenerationFactory(tester=other.user, program=program, status="completed")

    preview_ready.send(sender=Rendition, generation=theirs)

    assert WebhookEvent.objects.get().membership == other
    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("outcome", "event_type", "status"),
    [
        ("approve", "share_request.approved", "approved"),
        ("reject", "share_request.rejected", "rejected"),
    ],
)
def test_a_share_decision_is_announced(
    outcome, event_type, status, tester, endpoint, receiver, video, reviewer, eager_celery
):
    share_request = request_share(generation=video, tester=tester.user, **ASK)
    claim_next_share_request(reviewer=reviewer)

    decide(
        share_request=share_request,
        reviewer=reviewer,
        outcome=outcome,
        reason_code="" if outcome == "approve" else "likeness",
    )

    [event] = received_events(receiver, endpoint.secret)
    assert event["type"] == event_type
    assert event["data"]["id"] == f"share_request_{share_request.pk}"
    assert event["data"]["video_id"] == video.public_id
    assert event["data"]["status"] == status
    if outcome == "approve":
        assert "/s/" in event["data"]["share_url"]
    else:
        assert event["data"]["share_url"] is None


def test_a_request_for_changes_is_not_announced(
    tester, endpoint, receiver, video, reviewer, eager_celery
):
    share_request = request_share(generation=video, tester=tester.user, **ASK)
    claim_next_share_request(reviewer=reviewer)

    decide(
        share_request=share_request,
        reviewer=reviewer,
        outcome="request_changes",
        reason_code="caption",
    )

    assert ShareRequest.objects.get().status == "changes_requested"
    assert not WebhookEvent.objects.exists()


def test_a_webhooks_failure_never_undoes_the_decision(
    tester, endpoint, video, reviewer, monkeypatch
):
    from accessprogram.webhooks import events

    def broken(event):
        raise RuntimeError("webhooks are down")

    monkeypatch.setattr(events, "_queue_deliveries", broken)
    share_request = request_share(generation=video, tester=tester.user, **ASK)
    claim_next_share_request(reviewer=reviewer)

    decide(share_request=share_request, reviewer=reviewer, outcome="approve")

    assert ShareRequest.objects.get().status == "approved"
    assert not WebhookEvent.objects.exists()  # rolled back to its own savepoint
