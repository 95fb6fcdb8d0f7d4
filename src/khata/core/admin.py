from django.contrib import admin

from khata.core.models import Change, TaskRun, WorkerHeartbeat


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "on_behalf_of", "action", "object_repr"]
    list_filter = ["action", "content_type"]
    list_select_related = ["actor", "on_behalf_of"]
    search_fields = ["object_repr", "message"]

    def has_add_permission(self, request):
        return False  # only services write the change log

    def has_change_permission(self, request, obj=None):
        return False  # the change log is append-only

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TaskRun)
class TaskRunAdmin(admin.ModelAdmin):
    list_display = ["task_path", "status", "attempts", "enqueued_at", "finished_at"]
    list_filter = ["status", "task_path"]


admin.site.register(WorkerHeartbeat)
