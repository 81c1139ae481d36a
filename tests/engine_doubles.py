"""In-process stand-ins for the engine client, for tests of the sweep."""

from generation.engine_client import Capacity


class FullEngine:
    """Every slot busy: a sweep dispatches nothing and only places the waiting jobs."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def capacity(self):
        return Capacity(slots=2, busy=2)
