"""Background work of the data pages: big imports."""

from django.tasks import task

from khata.core.choices import ImportStatus
from khata.core.importing import execute
from khata.core.models import ImportJob


@task
def run_import(job_id: int) -> dict:
    """Import a queued file; running it twice does nothing the second time."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportStatus.QUEUED:
        return {"skipped": True}
    job = execute(job)  # claims QUEUED → RUNNING itself, once
    return {"created": job.created, "updated": job.updated, "skipped": job.skipped,
            "rejected": job.rejected}
