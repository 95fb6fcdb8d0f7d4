"""Imports through the API: upload, correct, run, poll, fetch the rejects."""

from django.core.files.uploadedfile import SimpleUploadedFile

from khata.clients.models import Company
from khata.team.services import token_create


def test_import_as_a_job(client, manager, other_manager):
    _token, raw = token_create(by=manager, user=manager, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    data = b"Org,Town\nAlpha,Pune\n,Mumbai\n"

    created = client.post("/api/v1/imports", {"kind": "companies",
                                              "file": SimpleUploadedFile("a.csv", data)}, **auth)
    assert created.status_code == 201, created.json()
    job = created.json()
    assert job["status"] == "uploaded" and job["total_rows"] == 2
    assert job["mapping"] == {"1": "city"}  # "Town" is known, "Org" is not

    run_too_early = client.post(f"/api/v1/imports/{job['id']}/run", **auth)
    assert run_too_early.status_code == 422
    assert run_too_early.json()["errors"][0]["field"] == "mapping"

    patched = client.patch(f"/api/v1/imports/{job['id']}",
                           {"mapping": {"0": "display_name", "1": "city"}},
                           content_type="application/json", **auth)
    assert patched.status_code == 200
    preview = client.get(f"/api/v1/imports/{job['id']}/preview", **auth).json()
    assert preview[1]["action"] == "reject"

    done = client.post(f"/api/v1/imports/{job['id']}/run", **auth)
    assert done.status_code == 202
    assert client.get(f"/api/v1/imports/{job['id']}", **auth).json()["status"] == "done"
    rejects = client.get(f"/api/v1/imports/{job['id']}/rejected", **auth)
    assert b"The name is empty" in b"".join(rejects.streaming_content)
    assert Company.objects.get().owner == manager

    _other, other_raw = token_create(by=other_manager, user=other_manager, name="t")
    other = client.get(f"/api/v1/imports/{job['id']}",
                       HTTP_AUTHORIZATION=f"Bearer {other_raw}")
    assert other.status_code == 404


def test_a_bad_upload_is_a_422_naming_the_file(client, manager):
    _token, raw = token_create(by=manager, user=manager, name="t")

    response = client.post("/api/v1/imports", {"kind": "companies",
                                               "file": SimpleUploadedFile("a.csv", b"x")},
                           HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"
