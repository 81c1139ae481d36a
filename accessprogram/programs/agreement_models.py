"""Agreements: the draft a manager edits, the published versions, and who accepted which.

Imported by models.py (Django registers models through it); kept apart so each module stays
small."""

from django.conf import settings
from django.db import models


class Agreement(models.Model):
    """One published version of a program's terms (NDA). The highest version is the current one.

    A version binds from `required_from`: its publication, or the end of the grace period it was
    published with. Until then the version before it still counts (programs.selectors)."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="agreements"
    )
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200, default="Program agreement")
    text = models.TextField()
    published_at = models.DateTimeField()
    required_from = models.DateTimeField(
        help_text="From this moment testers must have accepted this version (or a later one)."
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["program", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "version"], name="agreement_version_unique_in_program"
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="agreement_version_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(required_from__gte=models.F("published_at")),
                name="agreement_required_after_publication",
            ),
        ]

    def __str__(self):
        return f"{self.program} agreement v{self.version}"


class AgreementDraft(models.Model):
    """The next version as a manager writes it; previewed against the current one, then published.

    One per program; publishing turns it into an Agreement and deletes it."""

    program = models.OneToOneField(
        "programs.Program", on_delete=models.CASCADE, related_name="agreement_draft"
    )
    title = models.CharField(max_length=200, default="Program agreement")
    text = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self):
        return f"{self.program} agreement draft"


class AgreementAcceptance(models.Model):
    """Who accepted which version, when, and from which address. Never updated."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agreement_acceptances"
    )
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "user"], name="one_acceptance_per_agreement_and_user"
            ),
        ]

    def __str__(self):
        return f"{self.user} accepted {self.agreement}"
