from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "khata.audit"
    label = "audit"
    verbose_name = "Audit"
