"""The import pages: upload, map, preview, choose, run, report."""

from django.core.files.uploadedfile import SimpleUploadedFile

from khata.clients.models import Company
from khata.clients.tests.factories import CompanyFactory
from khata.core.models import ImportJob


def upload(client, data: bytes, name="list.csv", kind="companies"):
    return client.post("/audit/imports/", {"kind": kind,
                                           "file": SimpleUploadedFile(name, data)})


def test_upload_preview_choose_and_import(manager_client, manager):
    CompanyFactory(owner=manager, display_name="Infosys", city="Bengaluru")
    data = (b"Account Name,Billing City,Employees\n"
            b"Infosys Ltd,Bengaluru,300000\n"
            b"Mindtree,Bengaluru,40000\n"
            b",Pune,5\n")

    response = upload(manager_client, data)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/audit/imports/{job.pk}/"

    page = manager_client.get(f"/audit/imports/{job.pk}/").text
    assert "similar name in the same city" in page and "The name is empty" in page
    assert 'value="display_name" selected' in page

    manager_client.post(f"/audit/imports/{job.pk}/configure/", {
        "column-0": "display_name", "column-1": "city", "column-2": "employees",
        "on_duplicate": "skip", "row-2": "update", "run": "1"})

    job.refresh_from_db()
    assert (job.status, job.created, job.updated, job.rejected) == ("done", 1, 1, 1)
    assert Company.objects.get(display_name="Infosys Ltd").employees == 300000
    result = manager_client.get(f"/audit/imports/{job.pk}/").text
    assert "1 added, 1 updated, 0 skipped as duplicates, 1 rejected." in result
    report = manager_client.get(f"/audit/imports/{job.pk}/rejected.csv")
    assert b"The name is empty" in b"".join(report.streaming_content)


def test_a_bad_file_is_explained_under_the_field(manager_client):
    response = upload(manager_client, b"")

    assert response.status_code == 422
    assert "file is empty" in response.text
    assert not ImportJob.objects.exists()


def test_mapping_mistakes_are_reported_and_nothing_runs(manager_client):
    upload(manager_client, b"a,b\nx,y\n")
    job = ImportJob.objects.get()

    page = manager_client.post(f"/audit/imports/{job.pk}/configure/", {
        "column-0": "city", "column-1": "city", "run": "1"}, follow=True).text

    assert "Choose the column for" in page and "Two columns are mapped" in page
    job.refresh_from_db()
    assert job.status == "uploaded" and not Company.objects.exists()


def test_someone_elses_import_is_404(manager_client, other_manager):
    from django.test import Client

    colleague = Client()
    colleague.force_login(other_manager)
    upload(colleague, b"name\nX\n")
    job = ImportJob.objects.get()

    for url in [f"/audit/imports/{job.pk}/", f"/audit/imports/{job.pk}/rejected.csv"]:
        assert manager_client.get(url).status_code == 404
    assert manager_client.post(f"/audit/imports/{job.pk}/configure/",
                               {"column-0": "display_name", "run": "1"}).status_code == 404
    assert not Company.objects.exists()


def test_big_files_go_to_the_worker_and_show_progress(manager_client, manager, settings,
                                                     django_capture_on_commit_callbacks):
    rows = b"".join(f"Company {index},Pune\n".encode() for index in range(2500))
    upload(manager_client, b"name,city\n" + rows)
    job = ImportJob.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(f"/audit/imports/{job.pk}/configure/", {
            "column-0": "display_name", "column-1": "city", "run": "1"})

    job.refresh_from_db()  # the immediate task backend ran it after commit
    assert (job.status, job.created) == ("done", 2500)
    partial = manager_client.get(f"/audit/imports/{job.pk}/", HTTP_HX_REQUEST="true").text
    assert "2500 added" in partial and "<html" not in partial
