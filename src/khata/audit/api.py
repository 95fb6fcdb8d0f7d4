"""API for imports: upload a file, check or correct the mapping, run it, poll, get rejects."""

from datetime import datetime

from django.http import FileResponse, Http404
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from khata.audit.selectors import imports_visible
from khata.audit.services import import_configure, import_run, import_start
from khata.core.importing import preview
from khata.core.models import ImportJob
from khata.team.access import get_visible_or_404
from khata.team.selectors import managers_active

router = Router(tags=["imports"])


class PreviewRow(Schema):
    number: int
    values: dict
    errors: dict
    duplicate_of: str | None
    duplicate_reason: str
    action: str


class ImportOut(Schema):
    id: int
    kind: str
    filename: str
    status: str
    owner: int | None = None
    mapping: dict[str, str]
    on_duplicate: str
    total_rows: int
    processed_rows: int
    progress: int
    created: int
    updated: int
    skipped: int
    rejected: int
    error: str
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_owner(obj) -> int | None:
        return obj.owner_id


class ImportPatch(Schema):
    mapping: dict[str, str] | None = None
    on_duplicate: str | None = None
    decisions: dict[str, str] | None = None


@router.post("/imports", response={201: ImportOut},
             summary="Upload a CSV, XLSX or vCard file (nothing is written yet)")
def import_upload(request, kind: Form[str], file: File[UploadedFile],
                  owner: Form[int | None] = None, search_method: Form[int | None] = None):
    owner_user = None
    if owner:
        owner_user = managers_active(user=request.auth_user).filter(pk=owner).first()
        if owner_user is None:
            raise Http404
    options = {"search_method": search_method} if search_method else {}
    return Status(201, import_start(by=request.auth_user, kind=kind, filename=file.name,
                                    data=file.read(), owner=owner_user, options=options))


@router.get("/imports/{import_id}", response=ImportOut, summary="Status and counts")
def import_get(request, import_id: int):
    return get_visible_or_404(request.auth_user, imports_visible(user=request.auth_user),
                              import_id)


@router.get("/imports/{import_id}/preview", response=list[PreviewRow],
            summary="The first rows as they would be imported")
def import_preview(request, import_id: int):
    job = get_visible_or_404(request.auth_user, ImportJob, import_id)
    rows = preview(job)
    for row in rows:
        row.duplicate_of = None if row.duplicate_of is None else str(row.duplicate_of)
    return rows


@router.patch("/imports/{import_id}", response=ImportOut,
              summary="Correct the mapping; choose what happens to duplicates")
def import_patch(request, import_id: int, payload: ImportPatch):
    job = get_visible_or_404(request.auth_user, ImportJob, import_id)
    return import_configure(by=request.auth_user, job=job,
                            **payload.model_dump(exclude_unset=True))


@router.post("/imports/{import_id}/run", response={202: ImportOut},
             summary="Run the import (in the background for big files); poll GET for progress")
def import_start_run(request, import_id: int):
    job = get_visible_or_404(request.auth_user, ImportJob, import_id)
    return Status(202, import_run(by=request.auth_user, job=job))


@router.get("/imports/{import_id}/rejected", summary="Rejected rows with reasons (CSV)",
            response={200: None})
def import_rejected(request, import_id: int):
    job = get_visible_or_404(request.auth_user, ImportJob, import_id)
    if not job.rejected_file:
        raise Http404
    return FileResponse(job.rejected_file.open("rb"), as_attachment=True,
                        filename=f"rejected-{job.pk}.csv", content_type="text/csv")
