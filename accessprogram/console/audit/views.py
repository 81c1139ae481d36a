"""The audit log page: every audit record, newest first, with filters and a chain check.

Superusers read every record of every chain and may verify them all. Program managers and admins
read the records naming their programs. Everyone else gets 404 like other console pages.
"""

import datetime

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accessprogram.access import policy
from accessprogram.access.models import AccessBlock
from accessprogram.access.staff_views import staff_view
from accessprogram.accounts.models import User
from accessprogram.audit.models import AuditRecord
from accessprogram.audit.verify import verify_chain
from accessprogram.programs.models import Membership

from .describe import describe

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False)
    target_type = forms.ChoiceField(required=False, label="Target type")
    actor = forms.CharField(
        required=False, max_length=254, label="Actor", help_text="Email or username"
    )
    target = forms.CharField(
        required=False,
        max_length=254,
        label="Object",
        help_text="An e-mail address, or a record's object (follow its link)",
    )
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Both columns are indexed (target_type leads the target index), so these stay cheap.
        records = AuditRecord.objects.order_by()
        for name in ("action", "target_type"):
            values = records.values_list(name, flat=True).distinct().order_by(name)
            self.fields[name].choices = [("", "Any"), *((v, v) for v in values)]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The start date lies after the end date.")
        return cleaned

    def filter(self, records):
        data = self.cleaned_data
        if data["action"]:
            records = records.filter(action=data["action"])
        if data["target_type"]:
            records = records.filter(target_type=data["target_type"])
        if actor := data["actor"].strip():
            records = records.filter(
                Q(actor__email__iexact=actor) | Q(actor__username__iexact=actor)
            )
        if target := data["target"].strip():
            records = records.filter(_about(target))
        # Whole days in the site's time zone; a range on occurred_at keeps its index usable.
        if data["date_from"]:
            records = records.filter(occurred_at__gte=_start_of(data["date_from"]))
        if data["date_to"] and data["date_to"] < datetime.date.max:
            next_day = data["date_to"] + datetime.timedelta(days=1)
            records = records.filter(occurred_at__lt=_start_of(next_day))
        return records


def _about(target: str) -> Q:
    """Records about one object: `type:id` as the log's links give it, or a person's e-mail
    (their memberships, their account, and the blocks on their memberships)."""
    if "@" not in target:
        target_type, _, target_id = target.rpartition(":")
        return Q(target_type=target_type, target_id=target_id)
    memberships = [
        str(pk)
        for pk in Membership.objects.filter(user__email__iexact=target).values_list("pk", flat=True)
    ]
    users = [
        str(pk) for pk in User.objects.filter(email__iexact=target).values_list("pk", flat=True)
    ]
    blocks = [
        str(pk)
        for pk in AccessBlock.objects.filter(
            level=AccessBlock.Level.MEMBERSHIP, target_id__in=[int(m) for m in memberships]
        ).values_list("pk", flat=True)
    ]
    return (
        Q(target_type="programs.membership", target_id__in=memberships)
        | Q(target_type="accounts.user", target_id__in=users)
        | Q(target_type="access.accessblock", target_id__in=blocks)
    )


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@staff_view
@require_GET
def audit_log(request):
    if not policy.may_read_audit_log(request.user):
        raise Http404("No audit log for you here.")
    form = AuditFilterForm(request.GET or None)
    # Newest first across every chain (sequence numbers count within one chain).
    records = AuditRecord.objects.select_related("actor").order_by("-id")
    if not policy.reads_whole_audit_log(request.user):
        # Program managers and admins read the records of their own programs only.
        slugs = list(
            policy.staff_programs(request.user, roles=policy.MANAGER).values_list("slug", flat=True)
        )
        records = records.filter(data__program__in=slugs)
    if form.is_bound:
        records = form.filter(records) if form.is_valid() else records.none()
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    # Walking the whole chain costs a full read of the log: only when asked.
    verify = request.GET.get("verify") and policy.reads_whole_audit_log(request.user)
    verification = verify_chain() if verify else None
    entries = list(page.object_list)
    return render(
        request,
        "console/audit.html",
        {
            "form": form,
            "page": page,
            "rows": list(zip(entries, describe(entries), strict=True)),
            "verification": verification,
        },
    )
