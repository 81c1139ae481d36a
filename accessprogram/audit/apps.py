from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "accessprogram.audit"
    label = "audit"
    verbose_name = "Audit log"
