"""Quick ratings of one's own completed outputs: from the video page (htmx) and the API."""

import pytest
from rest_framework.test import APIClient

from accessprogram.feedback import services
from accessprogram.feedback.models import QuickRating
from factories import GenerationFactory, MembershipFactory, token_for
from generation.models import Generation

pytestmark = pytest.mark.django_db


@pytest.fixture
def video(tester, completed):
    return completed(tester)


def rate_url(video):
    return f"/feedback/videos/{video.public_id}/rating"


def api_url(video):
    return f"/v1/videos/{video.public_id}/feedback"


# --- Portal ---------------------------------------------------------------------------------


def test_the_video_page_shows_the_rating_card_for_completed_own_videos(
    tester_client, tester, video
):
    page = tester_client.get(f"/videos/{video.public_id}/").content.decode()
    assert 'data-testid="quick-rating"' in page
    assert f'hx-post="{rate_url(video)}"' in page
    queued = GenerationFactory(tester=tester.user, program=tester.program)
    page = tester_client.get(f"/videos/{queued.public_id}/").content.decode()
    assert 'data-testid="quick-rating"' not in page


def test_rating_from_the_page_saves_and_updates_in_place(tester_client, tester, video):
    response = tester_client.post(
        rate_url(video), {"rating": "4", "comment": "nice light"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "your rating is saved" in response.content.decode()
    assert "<html" not in response.content.decode()
    tester_client.post(rate_url(video), {"rating": "2"}, HTTP_HX_REQUEST="true")
    (rating,) = QuickRating.objects.all()
    assert (rating.rating, rating.comment, rating.tester, rating.program) == (
        2,
        "",
        tester.user,
        tester.program,
    )
    page = tester_client.get(f"/videos/{video.public_id}/").content.decode()
    assert 'value="2" required checked' in page


def test_a_bad_rating_from_the_page_is_refused(tester_client, video):
    response = tester_client.post(rate_url(video), {"rating": "6"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "Choose a rating from 1 to 5." in response.content.decode()
    assert not QuickRating.objects.exists()


def test_another_testers_video_cannot_be_rated_from_the_page(tester_client, program, completed):
    theirs = completed(MembershipFactory(program=program))
    assert tester_client.post(rate_url(theirs), {"rating": "5"}).status_code == 404
    assert not QuickRating.objects.exists()


def test_an_unfinished_video_cannot_be_rated(tester_client, tester):
    queued = GenerationFactory(tester=tester.user, program=tester.program)
    response = tester_client.post(rate_url(queued), {"rating": "5"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert "Only a completed output can be rated." in response.content.decode()
    assert not QuickRating.objects.exists()


# --- API ------------------------------------------------------------------------------------


def test_the_api_rates_and_reads_back(api, video, tester):
    assert api.get(api_url(video)).status_code == 404
    response = api.post(api_url(video), {"rating": 4, "comment": "crisp"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["object"] == "video.feedback"
    assert (body["video_id"], body["rating"], body["comment"]) == (video.public_id, 4, "crisp")
    assert isinstance(body["created_at"], int)
    assert api.post(api_url(video), {"rating": 5}, format="json").json()["rating"] == 5
    got = api.get(api_url(video)).json()
    assert (got["rating"], got["comment"]) == (5, "")
    assert QuickRating.objects.count() == 1


@pytest.mark.parametrize("rating", [0, 6, 4.5, True, "four", None])
def test_the_api_refuses_bad_ratings_in_openais_error_shape(api, video, rating):
    response = api.post(api_url(video), {"rating": rating}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == "rating"
    assert error["message"]
    assert not QuickRating.objects.exists()


def test_the_api_answers_404_for_another_testers_video(api, program, completed):
    theirs = completed(MembershipFactory(program=program))
    for response in (api.get(api_url(theirs)), api.post(api_url(theirs), {"rating": 3})):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert not QuickRating.objects.exists()


def test_the_api_is_scoped_to_the_tokens_program(tester, completed):
    elsewhere = MembershipFactory(user=tester.user)
    other_video = completed(elsewhere)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(tester)}")
    assert client.post(api_url(other_video), {"rating": 3}, format="json").status_code == 404


def test_the_api_needs_a_token(video):
    response = APIClient().post(api_url(video), {"rating": 3}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


def test_the_api_refuses_unfinished_videos_with_409(api, tester):
    queued = GenerationFactory(tester=tester.user, program=tester.program)
    response = api.post(api_url(queued), {"rating": 3}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "video_not_ready"


def test_the_service_refuses_a_deleted_or_foreign_video(tester, video, program, completed):
    with pytest.raises(services.FeedbackError):
        services.rate_output(
            generation=completed(MembershipFactory(program=program)), tester=tester.user, rating=3
        )
    Generation.objects.filter(pk=video.pk).update(deleted_at="2026-01-01T00:00:00Z")
    with pytest.raises(services.FeedbackError):
        services.rate_output(generation=video, tester=tester.user, rating=3)


def test_the_schema_documents_the_feedback_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operations = schema["paths"]["/v1/videos/{video_id}/feedback"]
    assert operations["get"]["operationId"] == "videos_feedback_retrieve"
    assert operations["post"]["operationId"] == "videos_feedback_create"
    assert operations["post"]["security"]
    ref = operations["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    rating = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]["rating"]
    assert (rating["minimum"], rating["maximum"]) == (1, 5)
    output = operations["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    fields = schema["components"]["schemas"][output["$ref"].rsplit("/", 1)[-1]]["properties"]
    assert {"object", "video_id", "rating", "comment", "created_at", "updated_at"} <= set(fields)


def test_while_rendering_the_page_polls_for_the_card_until_the_video_is_done(tester_client, tester):
    video = GenerationFactory(tester=tester.user, program=tester.program)
    page = tester_client.get(f"/videos/{video.public_id}/").content.decode()
    assert f'hx-get="{rate_url(video)}" hx-trigger="every 3s"' in page
    polled = tester_client.get(rate_url(video), HTTP_HX_REQUEST="true")
    assert polled.status_code == 200
    assert 'hx-trigger="every 3s"' in polled.content.decode()

    Generation.objects.filter(pk=video.pk).update(status=Generation.Status.COMPLETED)
    done = tester_client.get(rate_url(video), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="quick-rating"' in done
    assert "every 3s" not in done

    failed = GenerationFactory(
        tester=tester.user, program=tester.program, status=Generation.Status.FAILED
    )
    stopped = tester_client.get(rate_url(failed), HTTP_HX_REQUEST="true")
    assert stopped.status_code == 286  # htmx stops polling
    assert stopped.content.decode().strip() == ""


def test_the_schema_describes_errors_in_openais_shape(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    post = schema["paths"]["/v1/videos/{video_id}/feedback"]["post"]
    for status in ("400", "404", "409"):
        ref = post["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        body = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        assert set(body["properties"]) == {"error"}, status
