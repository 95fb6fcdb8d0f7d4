"""Import pages: upload, check the mapping and duplicates, run, watch progress, get the report."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from khata.audit.selectors import imports_visible
from khata.audit.services import import_configure, import_run, import_start
from khata.core.choices import DuplicateAction, ImportStatus
from khata.core.forms import BootstrapFormMixin, apply_errors
from khata.core.importing import IMPORTERS, importer_for, load_table, preview
from khata.core.models import ImportJob
from khata.core.tables import TableError
from khata.prospecting.selectors import search_methods_visible
from khata.team.access import get_visible_or_404, is_head
from khata.team.selectors import managers_active

MAX_UPLOAD = 100 * 1024 * 1024


class UploadForm(BootstrapFormMixin, forms.Form):
    """Choose what to import and the file."""

    kind = forms.ChoiceField(label=gettext_lazy("What is in the file"))
    file = forms.FileField(label=gettext_lazy("File"),
                           help_text=gettext_lazy("CSV (any separator or encoding), Excel "
                                                  ".xlsx, or vCard .vcf for contacts."))
    owner = forms.ChoiceField(label=gettext_lazy("Into the portfolio of"), required=False)
    search_method = forms.ChoiceField(
        label=gettext_lazy("Search method (for leads)"), required=False,
        help_text=gettext_lazy("Where the list came from: its leads are counted for it."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["search_method"].choices = [("", "—")] + [
            (str(method.pk), method.name)
            for method in search_methods_visible(user=user).filter(is_active=True)]
        self.fields["kind"].choices = [(kind, importer.label)
                                       for kind, importer in sorted(IMPORTERS.items())]
        if is_head(user):
            self.fields["owner"].choices = [("", _("mine"))] + [
                (str(manager.pk), str(manager)) for manager in managers_active(user=user)]
        else:
            del self.fields["owner"]


def import_list_view(request):
    """Start an import, or look at earlier ones."""
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        owner = None
        if form.cleaned_data.get("owner"):
            owner = managers_active(user=request.user).filter(
                pk=form.cleaned_data["owner"]).first()
        if upload.size > MAX_UPLOAD:
            form.add_error("file", _("The file is larger than 100 MB; split it."))
        else:
            try:
                options = ({"search_method": int(form.cleaned_data["search_method"])}
                           if form.cleaned_data.get("search_method") else {})
                job = import_start(by=request.user, kind=form.cleaned_data["kind"],
                                   filename=upload.name, data=upload.read(), owner=owner,
                                   options=options)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return redirect("audit:import", pk=job.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "audit/imports/list.html", {
        "form": form, "imports": imports_visible(user=request.user)[:30]}, status=status)


@vary_on_headers("HX-Request")
def import_detail_view(request, pk: int):
    """Check the mapping and the preview, then run; or watch progress; or see the result."""
    job = get_visible_or_404(request.user, imports_visible(user=request.user), pk)
    if job.status != ImportStatus.UPLOADED:
        template = ("audit/imports/partials/progress.html" if request.htmx
                    else "audit/imports/detail.html")
        return render(request, template, {"job": job})
    importer = importer_for(job.kind)
    try:
        table = load_table(job)
    except TableError as exc:
        messages.error(request, str(exc))
        return redirect("audit:imports")
    rows = preview(job, table)
    columns = [{"index": str(index), "header": header,
                "field": job.mapping.get(str(index), ""),
                "samples": [row[index] for row in table.rows[:3] if index < len(row)]}
               for index, header in enumerate(table.headers)]
    return render(request, "audit/imports/detail.html", {
        "job": job, "importer": importer, "columns": columns, "rows": rows,
        "fields": importer.fields, "actions": DuplicateAction.choices,
        "duplicates": sum(1 for row in rows if row.duplicate_of is not None),
        "errors": sum(1 for row in rows if row.errors)})


@require_POST
def import_configure_view(request, pk: int):
    """Save the mapping and duplicate choices; "run" in the form also starts the import."""
    job = get_visible_or_404(request.user, ImportJob, pk)
    mapping = {key.removeprefix("column-"): value for key, value in request.POST.items()
               if key.startswith("column-")}
    decisions = {key.removeprefix("row-"): value for key, value in request.POST.items()
                 if key.startswith("row-")}
    try:
        import_configure(by=request.user, job=job, mapping=mapping, decisions=decisions,
                         on_duplicate=request.POST.get("on_duplicate", DuplicateAction.SKIP))
        if "run" in request.POST:
            job = import_run(by=request.user, job=job)
    except ValidationError as error:
        for messages_ in error.message_dict.values():
            for message in messages_:
                messages.error(request, message)
    return redirect("audit:import", pk=job.pk)


def import_rejected_view(request, pk: int):
    """The rejected rows with their reasons, as CSV."""
    job = get_visible_or_404(request.user, ImportJob, pk)
    if not job.rejected_file:
        raise Http404
    return FileResponse(job.rejected_file.open("rb"), as_attachment=True,
                        filename=f"rejected-{job.filename.rsplit('.', 1)[0]}.csv",
                        content_type="text/csv")
