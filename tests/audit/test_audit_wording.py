"""The audit log written for people: who did what to whom, linked, filterable by actor, object
and action, in a constant number of queries per page."""

import datetime
import html
import re
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import timezone
from query_counts import assert_flat

from accessprogram.access.models import ApiToken
from accessprogram.access.revocation import block_access, kill_switch
from accessprogram.access.services import revoke_token
from accessprogram.programs.models import Membership
from factories import MembershipFactory, UserFactory, token_for

URL = reverse("console:audit")


@pytest.fixture
def alice(client, program):
    manager = MembershipFactory(
        program=program,
        role=Membership.Role.PROGRAM_MANAGER,
        user=UserFactory(username="alice", first_name="Alice", email="alice@example.com"),
    )
    client.force_login(manager.user)
    return manager.user


@pytest.fixture
def bob(program):
    return MembershipFactory(program=program, user=UserFactory(email="bob@example.com"))


def sentences(response) -> list[str]:
    page = response.content.decode()
    cells = page.split('data-testid="audit-sentence">')[1:]
    return [" ".join(html.unescape(c.split("</td>")[0]).split()) for c in cells]


def plain(sentence: str) -> str:
    """The sentence without its markup."""
    return " ".join(re.sub(r"<[^>]+>", " ", sentence).split())


def test_a_suspension_reads_as_a_sentence_with_links(client, program, alice, bob):
    ends = timezone.make_aware(datetime.datetime(2026, 12, 12, 14, 0))
    block_access(target=bob, kind="suspension", reason="spam bursts", ends_at=ends, actor=alice)
    first = sentences(client.get(URL))[0]
    text = plain(first)
    assert text.startswith(
        "Alice (program manager) suspended bob@example.com until 12 Dec 2026, 14:00 UTC: "
        "spam bursts"
    )
    assert "access.accessblock:" not in text.split("records about")[0]
    assert 'href="?actor=alice%40example.com"' in first
    assert "access.suspension" in first  # the action, as a filter link


def test_revocations_kill_switch_and_tokens_name_what_they_touched(client, program, alice, bob):
    token_for(bob, "laptop")
    revoke_token(token=ApiToken.objects.get(name="laptop"), reason="leaked", actor=alice)
    block_access(target=bob, kind="revocation", reason="left the team", actor=alice)
    kill_switch(program=program, reason="incident", actor=alice)
    texts = [plain(s) for s in sentences(client.get(URL))]
    assert any(
        t.startswith(f"Alice (program manager) suspended the whole program {program.name}")
        for t in texts
    )
    assert any(
        t.startswith(
            "Alice (program manager) revoked the access of bob@example.com for good: left the team"
        )
        for t in texts
    )
    assert any("the token laptop of bob@example.com" in t for t in texts)


def test_filters_by_actor_object_and_action(client, program, alice, bob):
    other = MembershipFactory(program=program, user=UserFactory(email="carol@example.com"))
    block_access(target=bob, kind="suspension", reason="one", actor=alice)
    block_access(target=other, kind="suspension", reason="two", actor=None)
    by_alice = [plain(s) for s in sentences(client.get(URL, {"actor": "alice@example.com"}))]
    assert by_alice and all(t.startswith("Alice") for t in by_alice)
    about_bob = [plain(s) for s in sentences(client.get(URL, {"target": "bob@example.com"}))]
    assert about_bob and all("bob@example.com" in t for t in about_bob)
    assert not any("carol" in t for t in about_bob)
    suspensions = client.get(URL, {"action": "access.suspension"})
    assert len(sentences(suspensions)) == 2
    # The object links of a record filter on exactly that object.
    link = sentences(client.get(URL, {"actor": "alice@example.com"}))[0]
    target = unquote(re.search(r"[?&]target=([^\"&]+)", html.unescape(link)).group(1))
    exact = [plain(s) for s in sentences(client.get(URL, {"target": target}))]
    assert exact and all("bob@example.com" in t for t in exact)


def test_a_page_costs_a_constant_number_of_queries(client, program, alice):
    def grow(count):
        for _ in range(count):
            member = MembershipFactory(program=program)
            block_access(target=member, kind="suspension", reason="bulk", actor=alice)
            token_for(member)

    assert_flat(client, URL, grow)
