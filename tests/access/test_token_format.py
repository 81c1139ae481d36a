"""Token strings: recognisable prefix, base62 body, checksum; only the digest is stored."""

import hashlib
import string

import pytest
from django.apps import apps
from django.db import models
from hypothesis import given
from hypothesis import strategies as st

from accessprogram.access import tokens
from accessprogram.access.models import ApiToken
from accessprogram.access.services import issue_token

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def test_a_token_is_prefix_thirty_random_characters_and_a_checksum():
    token = tokens.generate()
    assert token.startswith("eap_")
    assert len(token) == 4 + 30 + 6 == 40
    assert set(token[4:]) <= set(BASE62)
    assert tokens.is_well_formed(token)


def test_tokens_do_not_repeat():
    assert len({tokens.generate() for _ in range(500)}) == 500


def test_the_random_part_uses_the_whole_alphabet():
    seen = set()
    for _ in range(200):
        seen.update(tokens.generate()[4:34])
    assert seen == set(BASE62)


def real_tokens():
    return st.builds(lambda _: tokens.generate(), st.integers())


@given(token=real_tokens(), data=st.data())
def test_any_single_character_change_breaks_the_checksum(token, data):
    position = data.draw(st.integers(min_value=0, max_value=len(token) - 1), label="position")
    replacement = data.draw(
        st.characters(codec="utf-8").filter(lambda char: char != token[position]),
        label="replacement",
    )
    changed = token[:position] + replacement + token[position + 1 :]
    assert not tokens.is_well_formed(changed)


@given(token=real_tokens(), data=st.data())
def test_swapping_two_different_adjacent_characters_breaks_the_checksum(token, data):
    position = data.draw(st.integers(min_value=4, max_value=len(token) - 2))
    if token[position] == token[position + 1]:
        return
    swapped = token[:position] + token[position + 1] + token[position] + token[position + 2 :]
    assert not tokens.is_well_formed(swapped)


@given(body=st.text(alphabet=BASE62, min_size=36, max_size=36))
def test_random_look_alikes_with_the_right_shape_are_rejected(body):
    # A made-up checksum matches with probability about 1 in 4 billion.
    assert not tokens.is_well_formed("eap_" + body)


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "eap_",
        "Bearer",
        "sk-proj-0123456789abcdefghijklmnopqrstuvwxyzABCD",
        "x" * 40,
    ],
)
def test_junk_is_rejected(junk):
    assert not tokens.is_well_formed(junk)


@given(token=real_tokens())
def test_a_real_token_with_anything_around_it_is_rejected(token):
    for variant in (
        token + "x",
        token[:-1],
        " " + token,
        token + "\n",
        "EAP_" + token[4:],
        "eap-" + token[4:],
        token.upper() if token != token.upper() else token.lower(),
    ):
        assert not tokens.is_well_formed(variant), variant


@given(text=st.text(max_size=60))
def test_arbitrary_text_never_raises(text):
    assert tokens.is_well_formed(text) in (True, False)


@given(secret=st.text(max_size=60))
def test_the_digest_is_hex_sha256_of_the_token(secret):
    assert tokens.digest(secret) == hashlib.sha256(secret.encode()).hexdigest()


def test_display_prefix_is_the_first_twelve_characters():
    token = tokens.generate()
    assert tokens.display_prefix(token) == token[:12]


def _stored_text(instance) -> list[str]:
    values = []
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(field, models.JSONField):
            values.append(repr(value))
        elif isinstance(value, str):
            values.append(value)
    return values


def test_only_the_digest_and_display_prefix_are_stored(tester):
    issued = issue_token(membership=tester, name="laptop")
    secret = issued.secret
    assert tokens.is_well_formed(secret)

    row = ApiToken.objects.get(pk=issued.token.pk)
    assert row.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert row.display_prefix == secret[:12]
    assert ApiToken.objects.filter(digest=tokens.digest(secret)).count() == 1

    # The secret (or anything longer than the display prefix) appears in no column of any table.
    leaked = []
    for model in apps.get_models():
        for instance in model._default_manager.all():
            for value in _stored_text(instance):
                if secret[:13] in value:
                    leaked.append((model._meta.label, value))
    assert leaked == []


def test_issued_tokens_have_distinct_digests(tester):
    first = issue_token(membership=tester, name="one")
    second = issue_token(membership=tester, name="two")
    assert first.secret != second.secret
    assert first.token.digest != second.token.digest
