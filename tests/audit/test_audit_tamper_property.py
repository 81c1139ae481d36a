"""Property: after any run of record() calls, any single change to the stored log is detected."""

import datetime

from django.db import transaction
from django.db.models import QuerySet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accessprogram.audit.models import AuditChainHead, AuditRecord
from accessprogram.audit.services import record
from accessprogram.audit.verify import verify_chain
from factories import UserFactory

# What either database stores faithfully: no NUL characters (PostgreSQL refuses them), no lone
# surrogates (not encodable), no NaN or infinities (not JSON).
text = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=12)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=8,
)
# The keyword arguments of record() are data; its own parameter names cannot be keys.
data_keys = text.filter(lambda key: key not in {"action", "target", "actor"})
calls = st.lists(
    st.tuples(
        st.sampled_from(["token.issued", "access.revocation", "generation.deleted", "x" * 64]),
        st.booleans(),  # with an actor or not
        st.dictionaries(data_keys, json_values, max_size=4),
    ),
    min_size=1,
    max_size=8,
)
MUTATIONS = [
    "edit_data",
    "edit_action",
    "edit_target",
    "edit_time",
    "edit_actor",
    "edit_prev_hash",
    "edit_hash",
    "delete",
    "swap",
    "head_back",
]


def rows():
    return QuerySet(model=AuditRecord)  # no append-only guards


def flip(hex_digest: str) -> str:
    return ("1" if hex_digest[0] == "0" else "0") + hex_digest[1:]


def mutate(kind: str, sequence: int, other: int, count: int) -> None:
    entry = rows().get(sequence=sequence)
    target = rows().filter(sequence=sequence)
    if kind == "edit_data":
        target.update(data={**entry.data, "tampered": True} if entry.data else {"x": 1})
    elif kind == "edit_action":
        target.update(action=entry.action[:-1] + ("a" if entry.action[-1] != "a" else "b"))
    elif kind == "edit_target":
        target.update(target_id=entry.target_id + "0")
    elif kind == "edit_time":
        target.update(occurred_at=entry.occurred_at + datetime.timedelta(microseconds=1))
    elif kind == "edit_actor":
        target.update(actor_id=None if entry.actor_id else 987654)
    elif kind == "edit_prev_hash":
        target.update(prev_hash=flip(entry.prev_hash))
    elif kind == "edit_hash":
        target.update(hash=flip(entry.hash))
    elif kind == "delete":
        target.delete()
    elif kind == "swap" and sequence != other:
        target.update(sequence=10**12)
        rows().filter(sequence=other).update(sequence=sequence)
        rows().filter(sequence=10**12).update(sequence=other)
    else:  # head_back, or a swap with itself: wind the head back by one, i.e. hide the last record
        last = rows().filter(sequence=count - 1).values_list("hash", flat=True).first()
        AuditChainHead.objects.update(sequence=count - 1, hash=last or "0" * 64)


class Rollback(Exception):
    pass


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(calls=calls, mutation=st.sampled_from(MUTATIONS), data=st.data())
def test_any_single_mutation_is_detected(program, calls, mutation, data):
    actor = UserFactory(username="property-actor")
    try:
        with transaction.atomic():  # a savepoint per example, undone at the end
            for action, with_actor, values in calls:
                record(action=action, target=program, actor=actor if with_actor else None, **values)
            count = len(calls)
            assert verify_chain().ok, "the untouched chain must verify"
            sequence = data.draw(st.integers(1, count), label="sequence")
            other = data.draw(st.integers(1, count), label="other")
            mutate(mutation, sequence, other, count)
            result = verify_chain(chunk_size=3)
            assert not result.ok, f"{mutation} at {sequence} went unnoticed"
            assert 1 <= result.broken_at <= count
            raise Rollback
    except Rollback:
        pass
