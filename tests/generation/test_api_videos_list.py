"""GET /v1/videos: newest first, cursor pages without duplicates or gaps, bad parameters."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from video_api_helpers import T0, VIDEO_FIELDS

from factories import GenerationFactory


@pytest.fixture
def twenty_five(tester):
    """25 videos; groups of three share a created_at, so ties must break by id."""
    return [
        GenerationFactory(
            tester=tester.user, program=tester.program, created_at=T0 + timedelta(seconds=i // 3)
        )
        for i in range(25)
    ]


def expected_order(generations, order):
    ordered = sorted(generations, key=lambda g: (g.created_at, g.id))
    if order == "desc":
        ordered.reverse()
    return [g.public_id for g in ordered]


def walk(api, *, limit, order):
    ids, pages, after = [], 0, None
    while True:
        params = {"limit": limit, "order": order}
        if after:
            params["after"] = after
        response = api.get("/v1/videos", params)
        assert response.status_code == 200, response.content
        page = response.json()
        pages += 1
        assert page["object"] == "list"
        data_ids = [video["id"] for video in page["data"]]
        assert len(data_ids) <= limit
        if data_ids:
            assert page["first_id"] == data_ids[0]
            assert page["last_id"] == data_ids[-1]
        else:
            assert page["first_id"] is None and page["last_id"] is None
        ids += data_ids
        if not page["has_more"]:
            return ids, pages
        assert len(data_ids) == limit
        after = page["last_id"]
        assert pages < 100, "pagination does not terminate"


def test_the_default_list_is_newest_first_twenty(api, twenty_five):
    page = api.get("/v1/videos").json()
    assert [v["id"] for v in page["data"]] == expected_order(twenty_five, "desc")[:20]
    assert page["has_more"] is True
    assert set(page["data"][0]) == VIDEO_FIELDS


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_walking_all_pages_yields_each_video_once_in_order(api, twenty_five, order):
    ids, pages = walk(api, limit=7, order=order)
    assert ids == expected_order(twenty_five, order)
    assert pages == 4


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(limit=st.integers(min_value=1, max_value=30), order=st.sampled_from(["asc", "desc"]))
def test_any_page_size_has_no_duplicates_or_gaps(api, twenty_five, limit, order):
    ids, pages = walk(api, limit=limit, order=order)
    assert ids == expected_order(twenty_five, order)
    assert pages == max(1, -(-25 // limit))


def test_an_exact_last_page_says_there_is_no_more(api, twenty_five):
    page = api.get("/v1/videos", {"limit": 25}).json()
    assert len(page["data"]) == 25
    assert page["has_more"] is False


def test_a_deleted_video_still_works_as_a_cursor(api, twenty_five):
    first = api.get("/v1/videos", {"limit": 5}).json()
    assert api.delete(f"/v1/videos/{first['last_id']}").status_code == 200
    second = api.get("/v1/videos", {"limit": 5, "after": first["last_id"]}).json()
    assert [v["id"] for v in second["data"]] == expected_order(twenty_five, "desc")[5:10]


def test_an_empty_list(api):
    page = api.get("/v1/videos").json()
    assert page == {
        "object": "list",
        "data": [],
        "first_id": None,
        "last_id": None,
        "has_more": False,
    }


@pytest.mark.parametrize(
    ("params", "param"),
    [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"order": "newest"}, "order")],
)
def test_bad_list_parameters(api, params, param):
    response = api.get("/v1/videos", params)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param
