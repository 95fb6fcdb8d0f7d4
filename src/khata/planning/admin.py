from django.contrib import admin

from khata.planning.models import Activity, ContactPlan, Enrolment, PlanStep, Task


class PlanStepInline(admin.TabularInline):
    model = PlanStep
    extra = 0


@admin.register(ContactPlan)
class ContactPlanAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "is_active"]
    inlines = [PlanStepInline]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["subject", "kind", "status", "starts_at", "company"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["company", "contact", "lead", "contacts", "colleagues"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "assignee", "due_at", "status"]
    list_filter = ["status"]
    raw_id_fields = ["company", "contact", "lead", "enrolment", "assignee"]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["plan", "company", "status", "next_due_at"]
    list_filter = ["status"]
    raw_id_fields = ["company", "contact", "lead"]
