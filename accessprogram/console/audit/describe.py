"""Audit records written for people: "Alice (Program manager) suspended bob@example.com until
12 Dec 2026: spam", with links to the people and things named, instead of `access.accessblock:2`.

A page of records is described with a fixed number of queries: one per kind of thing that can
be named (however many records name it) and one for the actors' roles."""

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format

from accessprogram.access.models import AccessBlock, ApiToken
from accessprogram.accounts.models import User
from accessprogram.console.selectors import label_blocks
from accessprogram.programs.models import Cohort, Membership, Program

# What an action did, as a verb phrase (records of other actions read "did <action> on …").
VERBS = {
    "access.suspension": "suspended",
    "access.revocation": "revoked the access of",
    "access.reinstated": "lifted the block on",
    "cohort.created": "created the cohort",
    "membership.role_changed": "changed the role of",
    "membership.cohort_changed": "moved to another cohort:",
    "sessions.ended": "signed out everywhere:",
    "program.settings_changed": "changed the settings of",
    "token.issued": "issued",
    "invitation.create": "invited",
    "invitation.revoke": "withdrew the invitation of",
    "share_request.create": "asked to share",
    "share_request.approve": "approved",
    "share_request.reject": "turned down",
    "share_request.request_changes": "asked for changes to",
    "share_request.approval_revoked": "revoked the approval of",
    "share_request.approval_undone": "undid the approval of",
    "share_request.withdraw": "withdrew",
    "share_link.revoke": "revoked",
    "agreement.publish": "published",
    "agreement.accept": "accepted",
}


@dataclass
class Named:
    text: str
    url: str = ""
    filter_value: str = ""  # the audit log's "object" filter for records about it


@dataclass
class Described:
    actor: Named | None
    actor_role: str
    verb: str
    target: Named
    detail: str  # "until 12 Dec 2026, 14:00 UTC: spam", "for good: leaked", …


def _when(value) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        return ""
    return date_format(moment, "j M Y, H:i") + " UTC"


def _ids(records, target_type) -> set[int]:
    return {
        int(r.target_id) for r in records if r.target_type == target_type and r.target_id.isdigit()
    }


def _named_targets(records) -> dict[tuple[str, str], Named]:
    """Every target on the page, looked up by kind: one query per kind present."""
    named: dict[tuple[str, str], Named] = {}
    programs = {p.pk: p for p in Program.objects.filter(pk__in=_ids(records, "programs.program"))}
    for pk, program in programs.items():
        url = reverse("console:program", args=[program.slug])
        named[("programs.program", str(pk))] = Named(program.name, url)
    members = Membership.objects.filter(pk__in=_ids(records, "programs.membership"))
    for member in members.select_related("user", "program"):
        url = reverse("console:member", args=[member.program.slug, member.pk])
        named[("programs.membership", str(member.pk))] = Named(member.user.email, url)
    for cohort in Cohort.objects.filter(pk__in=_ids(records, "programs.cohort")):
        named[("programs.cohort", str(cohort.pk))] = Named(f"cohort {cohort.name}")
    tokens = ApiToken.objects.filter(pk__in=_ids(records, "access.apitoken"))
    for token in tokens.select_related("membership__user"):
        text = f"the token {token.name} of {token.membership.user.email}"
        named[("access.apitoken", str(token.pk))] = Named(text)
    for user in User.objects.filter(pk__in=_ids(records, "accounts.user")):
        named[("accounts.user", str(user.pk))] = Named(user.email or user.username)
    blocks = AccessBlock.objects.filter(pk__in=_ids(records, "access.accessblock"))
    for block in label_blocks(blocks.select_related("program")):
        text = block.target_label
        if block.level == AccessBlock.Level.PROGRAM:
            text = f"the whole program {text}"
        elif block.level == AccessBlock.Level.COHORT:
            text = f"cohort {text}"
        named[("access.accessblock", str(block.pk))] = Named(text)
    for record in records:
        key = (record.target_type, record.target_id)
        if record.target_type == "review.sharerequest":
            url = reverse("review:request", args=[record.target_id])
            named.setdefault(key, Named(f"share request {record.target_id}", url))
        found = named.setdefault(
            key, Named(f"{record.target_type.split('.')[-1]} {record.target_id}")
        )
        found.filter_value = f"{record.target_type}:{record.target_id}"
    return named


def _roles(records) -> dict[tuple[int, str], str]:
    """(actor id, program slug) -> the actor's role label there: one query."""
    actor_ids = {r.actor_id for r in records if r.actor_id}
    slugs = {r.data.get("program") for r in records if isinstance(r.data, dict)} - {None}
    if not actor_ids or not slugs:
        return {}
    rows = Membership.objects.filter(user_id__in=actor_ids, program__slug__in=slugs).values_list(
        "user_id", "program__slug", "role"
    )
    labels = dict(Membership.Role.choices)
    return {(user_id, slug): labels.get(role, role) for user_id, slug, role in rows}


def _detail(record) -> str:
    data = record.data if isinstance(record.data, dict) else {}
    reason = data.get("reason") or ""
    if record.action == "access.suspension":
        until = _when(data.get("ends_at")) if data.get("ends_at") else "until lifted"
        until = f"until {until}" if data.get("ends_at") else until
        return f"{until}: {reason}" if reason else until
    if record.action == "access.revocation":
        return f"for good: {reason}" if reason else "for good"
    return reason


def describe(records) -> list[Described]:
    """Each record of a page (a list) as a sentence's parts, in the same order."""
    records = list(records)
    named = _named_targets(records)
    roles = _roles(records)
    described = []
    for record in records:
        actor = None
        if record.actor is not None:
            person = record.actor
            actor = Named(person.get_full_name() or person.email or person.username)
            actor.filter_value = person.email or person.username
        program = record.data.get("program") if isinstance(record.data, dict) else None
        verb = VERBS.get(record.action, f"did {record.action.replace('_', ' ')} on")
        described.append(
            Described(
                actor=actor,
                actor_role=roles.get((record.actor_id, program), ""),
                verb=verb,
                target=named[(record.target_type, record.target_id)],
                detail=_detail(record),
            )
        )
    return described
