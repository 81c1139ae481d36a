"""The service that queues a generation: validation, quota and limits, and nothing half-written."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from accessprogram.programs.models import Cohort
from factories import GenerationFactory
from generation.models import SECONDS_CHOICES, SIZE_CHOICES, Generation
from generation.services import (
    GenerationLimitReached,
    GenerationRejected,
    request_generation,
    validate_request,
)


def test_queues_a_job_with_a_deterministic_default_seed(tester):
    first = request_generation(membership=tester, prompt="tide pools", seconds="8", size="720x1280")
    second = request_generation(membership=tester, prompt="tide pools")
    assert first.status == Generation.Status.QUEUED
    assert (first.seconds, first.size, first.program) == (8, "720x1280", tester.program)
    assert first.seed == second.seed  # same prompt, no seed given: the same video
    assert first.public_id != second.public_id


@given(
    seconds=st.one_of(st.integers(-5, 20), st.text(max_size=3), st.sampled_from(["4", "8", "12"])),
    size=st.one_of(st.text(max_size=12), st.sampled_from(SIZE_CHOICES)),
    seed=st.one_of(st.none(), st.integers(-(2**33), 2**33)),
)
def test_validation_accepts_exactly_the_allowed_values(seconds, size, seed):
    valid = (
        str(seconds) in ("4", "8", "12")
        and size in SIZE_CHOICES
        and (seed is None or 0 <= seed <= 2**31 - 1)
    )
    try:
        checked_seconds, checked_seed = validate_request(
            prompt="a kite", seconds=seconds, size=size, model="sora-2", seed=seed
        )
    except GenerationRejected as rejected:
        assert not valid
        assert rejected.param in ("seconds", "size", "seed")
    else:
        assert valid
        assert checked_seconds in SECONDS_CHOICES
        assert 0 <= checked_seed <= 2**31 - 1
        if seed is not None:
            assert checked_seed == seed


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"prompt": ""}, "prompt"),
        ({"prompt": "   "}, "prompt"),
        ({"prompt": "x" * 4001}, "prompt"),
        ({"prompt": "ok", "seconds": 5}, "seconds"),
        ({"prompt": "ok", "seconds": "four"}, "seconds"),
        ({"prompt": "ok", "size": "640x480"}, "size"),
        ({"prompt": "ok", "model": "gpt-video"}, "model"),
        ({"prompt": "ok", "seed": -1}, "seed"),
        ({"prompt": "ok", "seed": 2**31}, "seed"),
        ({"prompt": "ok", "seed": "abc"}, "seed"),
    ],
)
def test_each_bad_parameter_names_its_field(tester, kwargs, param):
    with pytest.raises(GenerationRejected) as rejected:
        request_generation(membership=tester, **kwargs)
    assert rejected.value.param == param
    assert not Generation.objects.exists()


def test_the_daily_quota_counts_todays_requests_only(tester):
    program = tester.program
    program.daily_generation_quota = 2
    program.save()
    GenerationFactory(
        tester=tester.user, program=program, created_at=timezone.now() - timedelta(days=1)
    )
    request_generation(membership=tester, prompt="one")
    request_generation(membership=tester, prompt="two")
    with pytest.raises(GenerationLimitReached) as limited:
        request_generation(membership=tester, prompt="three")
    assert limited.value.code == "daily_quota_exceeded"
    assert "midnight UTC" in str(limited.value)
    assert Generation.objects.count() == 3


def test_unfinished_jobs_are_limited_but_finished_ones_do_not_count(tester):
    program = tester.program
    program.active_jobs_per_tester = 1
    program.save()
    first = request_generation(membership=tester, prompt="one")
    with pytest.raises(GenerationLimitReached) as limited:
        request_generation(membership=tester, prompt="two")
    assert limited.value.code == "too_many_active_jobs"
    Generation.objects.filter(pk=first.pk).update(status=Generation.Status.COMPLETED)
    request_generation(membership=tester, prompt="two")


def test_another_testers_jobs_do_not_use_my_quota(tester, program):
    program.daily_generation_quota = 1
    program.save()
    GenerationFactory(program=program)  # someone else's
    mine = request_generation(membership=tester, prompt="mine")
    assert (mine.tester, mine.status) == (tester.user, Generation.Status.QUEUED)


def test_a_cohort_quota_overrides_the_programs(tester, program):
    program.daily_generation_quota = 5
    program.save()
    tester.cohort = Cohort.objects.create(program=program, name="Wave 1", daily_generation_quota=1)
    tester.save()
    request_generation(membership=tester, prompt="one")
    with pytest.raises(GenerationLimitReached, match="Daily quota of 1 "):
        request_generation(membership=tester, prompt="two")


def test_a_program_may_offer_fewer_lengths_and_sizes(tester, program):
    program.allowed_seconds = [4]
    program.allowed_sizes = ["720x1280"]
    program.save()
    with pytest.raises(GenerationRejected, match="offers 4 second clips") as rejected:
        request_generation(membership=tester, prompt="x", seconds=8, size="720x1280")
    assert rejected.value.param == "seconds"
    with pytest.raises(GenerationRejected, match="offers the sizes 720x1280") as rejected:
        request_generation(membership=tester, prompt="x", seconds=4, size="1280x720")
    assert rejected.value.param == "size"
    assert not Generation.objects.exists()
    request_generation(membership=tester, prompt="x", seconds=4, size="720x1280")
