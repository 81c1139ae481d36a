"""Query counts of a page at two sizes: the same count at 10 and at 100 rows means no N+1."""

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_of(client, url: str) -> int:
    """Queries one GET of `url` sends, a streamed body included (read to its end)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if response.streaming:
            b"".join(response.streaming_content)
    return len(captured)


def assert_flat(client, url: str, grow: Callable[[int], object]) -> int:
    """grow(10) rows, count; grow(90) more, count again: the two counts must be equal."""
    grow(10)
    at_10 = queries_of(client, url)
    grow(90)
    at_100 = queries_of(client, url)
    assert at_10 == at_100, f"{url}: {at_10} queries at 10 rows, {at_100} at 100"
    return at_100
