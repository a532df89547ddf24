"""Google Drive and Google Docs (connectors/google_drive, connectors/google_docs) against the
local fake Google APIs: multipart/related uploads (converted to Google's formats when
asked), sharing with Make's output (fileId, links), Watch files in a folder, documents
from templates ({{tags}} replaced through Docs' batchUpdate on a Drive copy), documents from
HTML, exports with their file name and data."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from engine.apps import ConnectionData, bind_connections, load_makecomapp, module_specs
from engine.apps.loader import SHIPPED_DIR
from engine.context import RunServices
from engine.errors import ModuleError
from engine.spec import ModuleSpec
from tests.apps.fakes import call_module
from tests.support import fake_google as support
from tests.support.fake_google import DOCUMENT_MIME, FakeGoogle, GoogleError

fake_google = support.fake_google
DRIVE = load_makecomapp(SHIPPED_DIR / "google_drive", source="shipped")
DOCS = load_makecomapp(SHIPPED_DIR / "google_docs", source="shipped")
SPECS: dict[str, ModuleSpec] = {s.id: s for app in (DRIVE, DOCS) for s in module_specs(app)}


def services(fake: FakeGoogle) -> RunServices:
    run = RunServices(scenario_name=f"test-{uuid.uuid4()}")
    bind_connections(run, {"9": ConnectionData({"accessToken": fake.access_token},
                                               base_url_override=fake.url)})
    return run


async def call(fake: FakeGoogle, module: str, mapper: dict[str, Any] | None = None,
               parameters: dict[str, Any] | None = None,
               run: RunServices | None = None) -> list[dict[str, Any]]:
    return await call_module(SPECS[module], run or services(fake),
                             parameters={"__IMTCONN__": 9, **(parameters or {})}, mapper=mapper)


def test_the_modules_real_exports_use_are_there() -> None:
    assert not DRIVE.problems and not DOCS.problems
    assert {"google-drive:uploadAFile", "google-drive:shareAFileFolder",
            "google-drive:watchFilesInAFolder", "google-drive:makeAnApiCall",
            "google-docs:exportADocument", "google-docs:createADocumentFromTemplate",
            "google-docs:createADocument", "google-docs:makeAnApiCall"} <= set(SPECS)


async def test_upload_a_file_as_multipart_related(fake_google: FakeGoogle) -> None:
    audio = b"ID3\x00\x01fake-mp3-bytes"
    [out] = await call(fake_google, "google-drive:uploadAFile", {
        "data": audio, "select": "value", "convert": False, "filename": "voice.mp3",
        "folderId": "/1parent/1h0Hh2bdCwj8XcXZ", "destination": "drive"})
    [request] = fake_google.calls("POST", "/upload/drive/v3/files")
    assert request.query["uploadType"] == "multipart"
    assert request.headers["content-type"].startswith("multipart/related; boundary=")
    assert request.headers["authorization"] == f"Bearer {fake_google.access_token}"
    stored = fake_google.files[out["id"]]
    assert stored["name"] == "voice.mp3" and stored["parents"] == ["1h0Hh2bdCwj8XcXZ"]
    assert stored["mimeType"] == "audio/mpeg" and fake_google.contents[out["id"]] == audio
    assert out["webContentLink"].endswith(f"?id={out['id']}&export=download")


async def test_upload_with_a_new_name_converted(fake_google: FakeGoogle) -> None:
    [out] = await call(fake_google, "google-drive:uploadAFile", {
        "data": "a,b\n1,2\n", "select": "map", "convert": True, "filename": "data.csv",
        "title": "Figures", "folderId": "/", "destination": "drive"})
    stored = fake_google.files[out["id"]]
    assert stored["name"] == "Figures" and stored["parents"] == ["root"]
    assert stored["mimeType"] == "application/vnd.google-apps.spreadsheet"


async def test_share_a_file_with_anyone(fake_google: FakeGoogle) -> None:
    fid = fake_google.add_file("post.png", "image/png", b"png")
    [out] = await call(fake_google, "google-drive:shareAFileFolder", {
        "file": fid, "role": "reader", "type": "anyone", "select": "file",
        "destination": "drive", "allowFileDiscovery": False})
    [request] = fake_google.calls("POST", f"/drive/v3/files/{fid}/permissions")
    assert request.json() == {"role": "reader", "type": "anyone", "allowFileDiscovery": False}
    assert "sendNotificationEmail" not in request.query
    assert out["fileId"] == fid and out["role"] == "reader" and out["id"] == "anyoneWithLink"
    assert out["shareLink"].endswith(f"/{fid}/view")


async def test_share_with_a_user_and_a_bad_role(fake_google: FakeGoogle) -> None:
    fid = fake_google.add_file("brief.pdf", "application/pdf")
    await call(fake_google, "google-drive:shareAFileFolder", {
        "file": fid, "role": "writer", "type": "user", "emailAddress": "bo@example.com"})
    request = fake_google.calls("POST", f"/drive/v3/files/{fid}/permissions")[-1]
    assert request.json() == {"role": "writer", "type": "user", "emailAddress": "bo@example.com"}
    assert request.query["sendNotificationEmail"] == "true"
    with pytest.raises(ModuleError) as caught:
        await call(fake_google, "google-drive:shareAFileFolder", {
            "file": fid, "role": "boss", "type": "user", "emailAddress": "bo@example.com"})
    assert caught.value.name == "DataError"


async def test_watch_files_in_a_folder(fake_google: FakeGoogle) -> None:
    folder = "1sehwRLTzeXetHk5_HzpLHW9IGuEWlyc3"
    a = fake_google.add_file("a.txt", "text/plain", parents=[folder])
    b = fake_google.add_file("b.txt", "text/plain", parents=[folder])
    fake_google.add_file("elsewhere.txt", "text/plain", parents=["other"])
    c = fake_google.add_file("c.txt", "text/plain", parents=[folder])
    run = services(fake_google)
    params = {"select": "create", "destination": "drive", "folderId": folder,
              "mimeType": "all", "limit": 2}
    out = await call(fake_google, "google-drive:watchFilesInAFolder", parameters=params, run=run)
    assert [f["id"] for f in out] == [a, b]
    first = fake_google.calls("GET", "/drive/v3/files")[0]
    assert f"'{folder}' in parents" in first.query["q"]
    assert first.query["orderBy"] == "createdTime desc"
    out = await call(fake_google, "google-drive:watchFilesInAFolder", parameters=params, run=run)
    assert [f["id"] for f in out] == [c]
    assert "createdTime > '" in fake_google.calls("GET", "/drive/v3/files")[-1].query["q"]


async def test_drive_rate_limit_403_is_a_rate_limit(fake_google: FakeGoogle) -> None:
    fake_google.fail_next.append(GoogleError(403, "User rate limit exceeded.",
                                             "userRateLimitExceeded"))
    with pytest.raises(ModuleError) as caught:
        await call(fake_google, "google-drive:uploadAFile", {"data": b"x", "filename": "x.bin"})
    assert caught.value.name == "RateLimitError"


async def test_a_document_from_a_template_then_exported(fake_google: FakeGoogle) -> None:
    template = fake_google.add_document(
        "Certificate template", "Awarded to {{student_name}} for {{course_name}}.")
    [made] = await call(fake_google, "google-docs:createADocumentFromTemplate", {
        "from": "drive", "name": "Certificate - Ada", "select": "dropdown",
        "document": f"/{template}", "folderId": "/",
        "requests": {"course_name": "Analysis", "student_name": "Ada"},
        "image": {"kix.1icxd7xfegr8-t.0": "https://example.com/qr.png"},
        "destination": "drive"})
    [copy] = fake_google.calls("POST", f"/drive/v3/files/{template}/copy")
    assert copy.json() == {"name": "Certificate - Ada", "parents": ["root"]}
    [update] = fake_google.calls("POST", f"/v1/documents/{made['id']}:batchUpdate")
    requests = update.json()["requests"]
    assert {"replaceAllText": {"containsText": {"text": "{{course_name}}", "matchCase": True},
                               "replaceText": "Analysis"}} in requests
    assert requests[-1]["replaceImage"]["imageObjectId"] == "kix.1icxd7xfegr8-t.0"
    assert fake_google.documents[made["id"]]["text"] == "Awarded to Ada for Analysis."
    assert fake_google.documents[template]["text"].startswith("Awarded to {{student_name}}")
    assert made["name"] == "Certificate - Ada" and made["mimeType"] == DOCUMENT_MIME

    [export] = await call(fake_google, "google-docs:exportADocument", {
        "document": made["id"], "mimeType": "application/pdf", "destination": "drive"})
    assert export["filename"] == "Certificate - Ada.pdf"
    assert export["data"].startswith(b"%PDF") and b"Awarded to Ada" in export["data"]
    [request] = fake_google.calls("GET", f"/drive/v3/files/{made['id']}/export")
    assert request.query["mimeType"] == "application/pdf"


async def test_create_a_document_from_html(fake_google: FakeGoogle) -> None:
    [made] = await call(fake_google, "google-docs:createADocument", {
        "name": "Onboarding - Ada", "footer": False, "header": False,
        "content": "Welcome Ada!\n\nYour guide.", "destination": "drive",
        "folderId": "/1folder"})
    [upload] = fake_google.calls("POST", "/upload/drive/v3/files")
    metadata = json.loads(upload.body.split(b"\r\n\r\n", 1)[1].split(b"\r\n", 1)[0])
    assert metadata == {"name": "Onboarding - Ada", "parents": ["1folder"],
                        "mimeType": DOCUMENT_MIME}
    assert made["mimeType"] == DOCUMENT_MIME
    assert fake_google.documents[made["id"]]["text"] == "Welcome Ada!\n\nYour guide."


async def test_make_an_api_call_on_docs(fake_google: FakeGoogle) -> None:
    did = fake_google.add_document("Notes", "hello")
    [out] = await call(fake_google, "google-docs:makeAnApiCall",
                       {"url": f"/v1/documents/{did}", "method": "GET"})
    assert out["body"]["title"] == "Notes"
