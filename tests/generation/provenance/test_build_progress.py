"""A preview's build stores its progress as it marks the frames: the portal shows it."""

import pytest

from factories import GenerationFactory
from generation.models import Rendition
from generation.provenance.services import MARKING_SHARE, _progress_recorder

pytestmark = pytest.mark.django_db


def test_progress_is_stored_in_steps_up_to_the_marking_share():
    generation = GenerationFactory(status="completed")
    rendition = Rendition.objects.create(generation=generation, kind="preview", forensic_id=7)
    on_frame = _progress_recorder(rendition.pk)
    stored = []
    for done in range(1, 101):
        on_frame(done, 100)
        stored.append(Rendition.objects.get(pk=rendition.pk).progress)
    assert stored == sorted(stored)
    assert stored[-1] == MARKING_SHARE
    assert len(set(stored)) > 10  # it moves, in steps
    Rendition.objects.filter(pk=rendition.pk).update(status="failed", progress=0)
    _progress_recorder(rendition.pk)(100, 100)  # a late call never touches a build that ended
    assert Rendition.objects.get(pk=rendition.pk).progress == 0
