"""Portal pages of onboarding: agreements (read, accept, every accepted version), invitations."""

from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from accessprogram.client_address import client_ip
from accessprogram.throttling import over_rate

from . import applications, invitations, selectors, services
from .adapters import SESSION_KEY
from .models import ApplicationQuestion, Membership, Program, TesterProfile
from .view_access import public_view, tester_view


def _tester_program(request, slug: str) -> Program:
    """A program the signed-in user is a tester of (any status); anything else is 404."""
    membership = get_object_or_404(
        Membership.objects.select_related("program").exclude(status=Membership.Status.REMOVED),
        user=request.user,
        program__slug=slug,
        role=Membership.Role.TESTER,
    )
    return membership.program


def _safe_next(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@tester_view
@require_http_methods(["GET", "POST"])
def agreement(request, slug):
    program = _tester_program(request, slug)
    current = selectors.current_agreement(program=program)
    if current is None:
        raise Http404("This program has no agreement.")
    accepted = current.acceptances.filter(user=request.user).first()
    if request.method == "POST":
        if request.POST.get("accept") != "yes":
            messages.error(request, "Tick the box to accept the agreement.")
        else:
            services.accept_agreement(
                user=request.user, agreement=current, ip_address=client_ip(request)
            )
            messages.success(
                request, f"You accepted the {program.name} agreement (version {current.version})."
            )
            pending = selectors.memberships_awaiting_agreement(user=request.user).first()
            if pending is not None:
                return redirect("programs:agreement", slug=pending.program.slug)
            return redirect(_safe_next(request) or "portal:home")
    return render(
        request,
        "programs/agreement.html",
        {
            "program": program,
            "agreement": current,
            "accepted": accepted,
            # accepting an earlier version still gives access until this one binds
            "in_grace": accepted is None
            and current.required_from > timezone.now()
            and not selectors.memberships_awaiting_agreement(user=request.user)
            .filter(program=program)
            .exists(),
            "next": _safe_next(request) or "",
        },
    )


@tester_view
@require_GET
def agreements(request):
    """Every agreement version the user accepted, plus the ones still waiting."""
    return render(
        request,
        "programs/agreements.html",
        {
            "acceptances": selectors.accepted_agreements(user=request.user),
            "pending": selectors.memberships_awaiting_agreement(user=request.user),
        },
    )


@tester_view
@require_GET
def accepted_version(request, slug, version):
    """The text of one version the user accepted (testers can re-read what they agreed to)."""
    acceptance = get_object_or_404(
        selectors.accepted_agreements(user=request.user),
        agreement__program__slug=slug,
        agreement__version=version,
    )
    return render(
        request,
        "programs/agreement.html",
        {
            "program": acceptance.agreement.program,
            "agreement": acceptance.agreement,
            "accepted": acceptance,
            "archived": True,
        },
    )


# --- Invitations ----------------------------------------------------------------------------


@public_view
@require_http_methods(["GET", "POST"])
def invitation(request, secret):
    """The link in an invitation email: sign up (new address), or sign in and accept."""
    try:
        invite = invitations.open_invitation(secret=secret)
    except services.OnboardingError as error:
        status = 404 if str(error) == invitations.NOT_FOUND else 410
        return render(request, "programs/invitation_invalid.html", {"error": error}, status=status)
    if not request.user.is_authenticated:
        request.session[SESSION_KEY] = invite.pk
        if invitations.account_exists(email=invite.email):
            return render(request, "programs/invitation.html", {"invitation": invite})
        return redirect("account_signup")
    if request.method == "POST":
        try:
            membership = invitations.accept_invitation(invitation_id=invite.pk, user=request.user)
        except services.OnboardingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Welcome to {membership.program.name}.")
            return redirect("portal:home")
    return render(request, "programs/invitation.html", {"invitation": invite})


@tester_view
@require_GET
def account(request):
    """The tester's own settings: email, password, two-factor, sessions, agreements."""
    return render(
        request,
        "programs/account.html",
        {
            "memberships": Membership.objects.filter(user=request.user)
            .exclude(status=Membership.Status.REMOVED)
            .select_related("program", "cohort"),
        },
    )


# --- Applications ---------------------------------------------------------------------------


class ApplyForm(forms.Form):
    name = forms.CharField(max_length=200, label="Your name")
    email = forms.EmailField(label="Email")

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            kind = question.kind
            self.fields[f"q{question.pk}"] = (
                forms.URLField(assume_scheme="https")
                if kind == ApplicationQuestion.Kind.URL
                else forms.CharField(
                    widget=forms.Textarea(attrs={"rows": 5})
                    if kind == ApplicationQuestion.Kind.LONG
                    else None,
                    max_length=applications.MAX_ANSWER_LENGTH,
                )
            )
            field = self.fields[f"q{question.pk}"]
            field.label, field.required = question.label, question.required
            field.help_text = question.help_text

    def answers(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") or "" for q in self.questions}


# A field hidden from people (apply.html) that form-filling robots fill in.
HONEYPOT_FIELD = "website"


def _too_many_applications(request, program) -> bool:
    """Count this submission per client address and per email address (shared cache)."""
    group = f"apply:{program.pk}"
    email = request.POST.get("email", "").strip().lower()
    by_ip = over_rate(
        request, group=group + ":ip", key=client_ip(request) or "", rate=settings.APPLY_RATE_PER_IP
    )
    by_address = bool(email) and over_rate(
        request, group=group + ":email", key=email, rate=settings.APPLY_RATE_PER_ADDRESS
    )
    return by_ip or by_address


@public_view
@require_http_methods(["GET", "POST"])
def apply(request, slug):
    """The public application page of a program (when its staff opened applications)."""
    program = get_object_or_404(Program, slug=slug)
    if not applications.accepts_applications(program):
        raise Http404("This program is not taking applications.")
    form = ApplyForm(
        request.POST or None, questions=ApplicationQuestion.objects.filter(program=program)
    )
    if request.method == "POST" and _too_many_applications(request, program):
        return render(request, "programs/apply_throttled.html", {"program": program}, status=429)
    if request.method == "POST" and request.POST.get(HONEYPOT_FIELD):
        # Only robots fill the hidden field: they get the usual thanks, nothing is kept.
        return render(request, "programs/applied.html", {"program": program})
    if request.method == "POST" and form.is_valid():
        try:
            applications.submit_application(
                program=program,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                answers=form.answers(),
            )
        except services.OnboardingError as error:
            form.add_error(None, str(error))
        else:
            return render(request, "programs/applied.html", {"program": program})
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "programs/apply.html", {"program": program, "form": form}, status=status)


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=100)
    portfolio_url = forms.URLField(required=False, assume_scheme="https", label="Portfolio link")
    timezone = forms.ChoiceField(label="Time zone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [(name, name) for name in sorted(available_timezones())]


@tester_view
@require_http_methods(["GET", "POST"])
def profile(request):
    existing = TesterProfile.objects.filter(user=request.user).first()
    initial = (
        {
            "display_name": existing.display_name,
            "portfolio_url": existing.portfolio_url,
            "timezone": existing.timezone,
        }
        if existing
        else {"display_name": request.user.get_full_name(), "timezone": "UTC"}
    )
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_profile(
                user=request.user,
                display_name=form.cleaned_data["display_name"],
                portfolio_url=form.cleaned_data["portfolio_url"],
                timezone_name=form.cleaned_data["timezone"],
            )
        except services.OnboardingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("programs:account")
    return render(request, "programs/profile.html", {"form": form})
