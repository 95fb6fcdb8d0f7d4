"""The reliability records in the admin, for support: to look, not to change. Changes go
through the services (they validate, record and reassess), so the admin shows read-only."""

from django.contrib import admin

from khata.reliability.models import (
    Assessment,
    BandOverride,
    ChecklistAnswer,
    FinancialStatement,
    Invoice,
    LearnedModel,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FinancialStatement)
class FinancialStatementAdmin(ReadOnlyAdmin):
    list_display = ["company", "fiscal_year", "currency", "revenue", "total_assets", "source"]
    list_filter = ["source", "currency"]
    raw_id_fields = ["company", "entered_by"]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "company", "currency", "amount", "issued_on", "due_on", "paid_on"]
    raw_id_fields = ["company", "entered_by"]


@admin.register(ChecklistAnswer)
class ChecklistAnswerAdmin(ReadOnlyAdmin):
    list_display = ["company", "registry_status", "references", "answered_by", "answered_at"]
    raw_id_fields = ["company", "answered_by"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["company", "band", "probability", "method", "as_of", "valid_until",
                    "is_current"]
    list_filter = ["band", "method", "is_current"]
    raw_id_fields = ["company", "model"]


@admin.register(BandOverride)
class BandOverrideAdmin(ReadOnlyAdmin):
    list_display = ["company", "band", "by", "starts_at", "expires_at", "revoked_at"]
    raw_id_fields = ["company", "by", "revoked_by"]


@admin.register(LearnedModel)
class LearnedModelAdmin(ReadOnlyAdmin):
    list_display = ["trained_at", "training_size", "positives"]
    exclude = ["document"]
