"""Property: after any run of record() calls over several chains, any single change to the
stored log is detected, and verify names the chain it happened in."""

import datetime

from django.db import transaction
from django.db.models import QuerySet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accessprogram.audit.hashing import link_hash
from accessprogram.audit.models import GENESIS_HASH, AuditChain, AuditRecord, chain_for
from accessprogram.audit.services import record
from accessprogram.audit.verify import verify_chain
from factories import ProgramFactory, UserFactory

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
# The keyword arguments of record() are data; its own parameter names cannot be keys, and
# "program" names the chain (tested on its own).
data_keys = text.filter(lambda key: key not in {"action", "target", "actor", "program"})
calls = st.lists(
    st.tuples(
        st.sampled_from([0, 1, 2]),  # which target: one program, another, or a user (platform)
        st.sampled_from(["token.issued", "access.revocation", "generation.deleted", "x" * 64]),
        st.booleans(),  # with an actor or not
        st.dictionaries(data_keys, json_values, max_size=4),
    ),
    min_size=1,
    max_size=10,
)
MUTATIONS = [
    "edit_data",
    "edit_action",
    "edit_target",
    "edit_time",
    "edit_actor",
    "edit_seal",
    "edit_prev_hash",
    "edit_hash",
    "delete",
    "swap",
    "insert",
    "insert_pending",
    "move_chain",
    "head_back",
    "truncate",
]


def rows(chain: str) -> QuerySet:
    return QuerySet(model=AuditRecord).filter(chain=chain)  # no append-only guards


def flip(hex_digest: str) -> str:
    return ("1" if hex_digest[0] == "0" else "0") + hex_digest[1:]


def forged(chain: str, sequence: int | None, prev_hash: str) -> AuditRecord:
    """A record written straight into the table, hashed under a key that is not the real one."""
    seal = "5" * 64
    entry = AuditRecord(
        chain=chain,
        sequence=sequence,
        occurred_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        action="access.reinstated",
        target_type="access.accessblock",
        target_id="1",
        data={},
        seal=seal,
        prev_hash=prev_hash if sequence else "",
    )
    if sequence:
        entry.hash = link_hash(chain=chain, sequence=sequence, seal=seal, prev_hash=prev_hash)
    return entry


def mutate(kind: str, chain: str, sequence: int, other: int, count: int, elsewhere: str) -> None:
    entry = rows(chain).get(sequence=sequence)
    target = rows(chain).filter(sequence=sequence)
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
    elif kind == "edit_seal":
        target.update(seal=flip(entry.seal))
    elif kind == "edit_prev_hash":
        target.update(prev_hash=flip(entry.prev_hash))
    elif kind == "edit_hash":
        target.update(hash=flip(entry.hash))
    elif kind == "delete":
        target.delete()
    elif kind == "swap" and sequence != other:
        target.update(sequence=10**12)
        rows(chain).filter(sequence=other).update(sequence=sequence)
        rows(chain).filter(sequence=10**12).update(sequence=other)
    elif kind == "insert":  # make room at `sequence`, then slip a forged record in
        for later in range(count, sequence - 1, -1):
            rows(chain).filter(sequence=later).update(sequence=later + 1)
        before = rows(chain).filter(sequence=sequence - 1).values_list("hash", flat=True).first()
        QuerySet(model=AuditRecord).bulk_create([forged(chain, sequence, before or GENESIS_HASH)])
        AuditChain.objects.filter(pk=chain).update(sequence=count + 1)
    elif kind == "insert_pending":  # waiting to be linked, as if written by record()
        QuerySet(model=AuditRecord).bulk_create([forged(chain, None, "")])
    elif kind == "truncate":  # cut the last record off and wind the head back to the one before
        rows(chain).filter(sequence=count).delete()
        last = rows(chain).filter(sequence=count - 1).values_list("hash", flat=True).first()
        AuditChain.objects.filter(pk=chain).update(sequence=count - 1, hash=last or GENESIS_HASH)
    elif kind == "move_chain":
        target.update(chain=elsewhere, sequence=10**6)
    else:  # head_back, or a swap with itself: wind the head back by one, i.e. hide the last record
        last = rows(chain).filter(sequence=count - 1).values_list("hash", flat=True).first()
        AuditChain.objects.filter(pk=chain).update(sequence=count - 1, hash=last or GENESIS_HASH)


class Rollback(Exception):
    pass


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(calls=calls, mutation=st.sampled_from(MUTATIONS), data=st.data())
def test_any_single_mutation_in_any_chain_is_detected(program, committed, calls, mutation, data):
    actor = UserFactory(username="property-actor")
    targets = [program, ProgramFactory(), actor]
    try:
        with transaction.atomic():  # a savepoint per example, undone at the end
            with committed():
                for which, action, with_actor, values in calls:
                    user = actor if with_actor else None
                    record(action=action, target=targets[which], actor=user, **values)
            chains = {
                chain_for(program.slug if which == 0 else targets[1].slug if which == 1 else None)
                for which, *_ in calls
            }
            assert verify_chain().ok, "the untouched chains must verify"
            chain = data.draw(st.sampled_from(sorted(chains)), label="chain")
            count = AuditRecord.objects.filter(chain=chain).count()
            sequence = data.draw(st.integers(1, count), label="sequence")
            other = data.draw(st.integers(1, count), label="other")
            elsewhere = next(iter(chains - {chain}), "program:elsewhere")
            mutate(mutation, chain, sequence, other, count, elsewhere)
            result = verify_chain(chunk_size=3)
            assert not result.ok, f"{mutation} at {chain} {sequence} went unnoticed"
            named = {broken.chain: broken for broken in result.broken}
            assert chain in named, f"{mutation} in {chain} reported as {result.message}"
            broken_at = named[chain].broken_at
            if mutation == "insert_pending":
                assert broken_at is None  # named by id: it has no place in the chain yet
            else:
                assert 1 <= broken_at <= count + 1
            raise Rollback
    except Rollback:
        pass
