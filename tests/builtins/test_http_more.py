"""HTTP: TLS options (a private CA, no verification, mutual TLS), v4 pagination (offset,
page, URL, token), Download a file, Retrieve headers, files with their MIME type."""

from __future__ import annotations

import json

import pytest

from engine.builtins import http
from engine.context import RunServices
from engine.errors import ModuleError
from tests.builtins.test_http import Recorded, Reply, Stub, call, json_reply, run, stub, v3, v4  # noqa: F401
from tests.support.tls import Certificates, https_server, make_certificates


@pytest.fixture(scope="module")
def certs() -> Certificates:
    return make_certificates()


# --- TLS --------------------------------------------------------------------------------------


async def test_a_private_ca_is_refused_by_default_and_trusted_when_given(
        certs: Certificates, run: RunServices) -> None:  # noqa: F811
    with https_server(certs) as (url, _):
        with pytest.raises(ModuleError, match="certificate is not trusted") as caught:
            await call(http.make_request, run, v4(url + "/"))
        assert caught.value.name == "ConnectionError"
        [v4_ok] = await call(http.make_request, run, v4(url + "/", ca=certs.ca.cert),
                             {"tlsType": "tls"})
        [v3_ok] = await call(http.action_send_data, run,
                             v3(url + "/", ca=certs.ca.cert, parseResponse=True))
        [unverified] = await call(http.action_send_data, run,
                                  v3(url + "/", rejectUnauthorized=False, parseResponse=True))
    assert v4_ok["data"] == v3_ok["data"] == unverified["data"] == {"ok": True}


async def test_mutual_tls_sends_the_client_certificate(certs: Certificates,
                                                       run: RunServices) -> None:  # noqa: F811
    with https_server(certs, require_client=True) as (url, seen):
        with pytest.raises(ModuleError):
            await call(http.make_request, run, v4(url + "/", ca=certs.ca.cert),
                       {"tlsType": "tls"})
        mtls = {"ca": certs.ca.cert, "clientCertificate": certs.client.cert,
                "clientKey": certs.client.key}
        [v4_ok] = await call(http.make_request, run, v4(url + "/", **mtls), {"tlsType": "mTls"})
        [v3_ok] = await call(http.action_send_data, run,
                             v3(url + "/", useMtls=True, parseResponse=True, **mtls))
    assert v4_ok["data"] == v3_ok["data"] == {"ok": True}
    assert seen.client_subject == "test client"


async def test_unreadable_certificates_are_data_errors(run: RunServices) -> None:  # noqa: F811
    with pytest.raises(ModuleError, match="CA certificate cannot be read") as caught:
        await call(http.make_request, run, v4("https://127.0.0.1:9/", ca="not a cert"),
                   {"tlsType": "tls"})
    assert caught.value.name == "DataError"
    with pytest.raises(ModuleError, match="no client certificate"):
        await call(http.make_request, run, v4("https://127.0.0.1:9/"), {"tlsType": "mTls"})


# --- pagination -------------------------------------------------------------------------------

ITEMS = list(range(1, 8))  # seven items, pages of three


def _page(request: Recorded, start: int, size: int = 3) -> Reply:
    return json_reply({"results": ITEMS[start:start + size]})


async def test_offset_pagination_one_bundle_per_page(stub: Stub, run: RunServices  # noqa: F811
                                                     ) -> None:
    stub.route("GET", "/items", lambda r: _page(r, int(r.query["offset"][0]),
                                                int(r.query["limit"][0])))
    bundles = await call(http.make_request, run, v4(
        stub.url("/items"), paginationType="offsetBased", limit=3, itemsPath="results",
        queryParameters=[{"name": "q", "value": "x"}]))
    assert [b["data"]["results"] for b in bundles] == [[1, 2, 3], [4, 5, 6], [7]]
    assert [r.query["offset"] for r in stub.requests] == [["0"], ["3"], ["6"]]
    assert all(r.query["q"] == ["x"] for r in stub.requests)


async def test_page_pagination_stops_at_an_empty_page(stub: Stub, run: RunServices  # noqa: F811
                                                      ) -> None:
    stub.route("GET", "/p", lambda r: json_reply(
        [n for n in ITEMS if (n - 1) // 3 == int(r.query["page"][0]) - 1]))
    bundles = await call(http.make_request, run, v4(stub.url("/p"), paginationType="pageBased"))
    assert [b["data"] for b in bundles] == [[1, 2, 3], [4, 5, 6], [7]]
    assert [r.query["page"] for r in stub.requests] == [["1"], ["2"], ["3"], ["4"]]


async def test_url_pagination_follows_the_body_or_the_link_header(
        stub: Stub, run: RunServices) -> None:  # noqa: F811
    pages = {"/a": ("/b", [1]), "/b": (stub.url("/c"), [2]), "/c": (None, [3])}
    for path, (following, data) in pages.items():
        stub.route("GET", path, json_reply({"items": data, "links": {"next": following}}))
    bundles = await call(http.make_request, run, v4(
        stub.url("/a"), paginationType="urlBased", nextPageUrlPath="links.next"))
    assert [b["data"]["items"] for b in bundles] == [[1], [2], [3]]
    stub.route("GET", "/h1", json_reply([1], headers=[("Link", '</h2>; rel="next"')]))
    stub.route("GET", "/h2", json_reply([2], headers=[("Link", '</h1>; rel="prev"')]))
    linked = await call(http.make_request, run, v4(stub.url("/h1"), paginationType="urlBased"))
    assert [b["data"] for b in linked] == [[1], [2]]


async def test_token_pagination_sends_the_cursor_until_there_is_none(
        stub: Stub, run: RunServices) -> None:  # noqa: F811
    cursors = {"": ("c2", [1]), "c2": ("c3", [2]), "c3": ("", [3])}
    stub.route("GET", "/t", lambda r: json_reply(
        dict(zip(("next", "items"), cursors[r.query.get("cursor", [""])[0]], strict=True))))
    bundles = await call(http.make_request, run, v4(
        stub.url("/t"), paginationType="tokenBased", nextPageTokenPath="next",
        tokenParameterName="cursor"))
    assert [b["data"]["items"] for b in bundles] == [[1], [2], [3]]


async def test_pagination_stops_at_max_pages_with_a_warning(stub: Stub, run: RunServices  # noqa: F811
                                                            ) -> None:
    stub.route("GET", "/forever", lambda r: json_reply([1, 2, 3]))
    bundles = await call(http.make_request, run, v4(
        stub.url("/forever"), paginationType="pageBased", maxPages=4))
    assert len(bundles) == 4
    assert any("stopped after 4 pages" in w for w in run.warnings)


# --- files and headers ------------------------------------------------------------------------


async def test_download_a_file_gives_a_binary_item_with_its_mime_type(
        stub: Stub, run: RunServices) -> None:  # noqa: F811
    stub.route("GET", "/files/report.pdf", Reply(body=b"%PDF-1.7", headers=[
        ("Content-Type", "application/pdf")]))
    stub.route("GET", "/blob", Reply(body=b"\x89PNG", headers=[
        ("Content-Type", "application/octet-stream"),
        ("Content-Disposition", 'attachment; filename="logo.png"')]))
    [pdf] = await call(http.download_file, run, {
        "url": stub.url("/files/report.pdf"), "stopOnHttpError": True,
        "queryParameters": [{"name": "v", "value": "2"}]}, {"authenticationType": "noAuth"})
    assert {k: pdf[k] for k in ("fileName", "data", "fileSize", "mimeType", "statusCode")} == {
        "fileName": "report.pdf", "data": b"%PDF-1.7", "fileSize": 8,
        "mimeType": "application/pdf", "statusCode": 200}
    assert pdf["headers"]["content-type"] == "application/pdf"
    assert stub.requests[0].query == {"v": ["2"]}
    [png] = await call(http.action_get_file, run, {"url": stub.url("/blob")})
    assert (png["fileName"], png["mimeType"]) == ("logo.png", "image/png")


async def test_download_a_file_fails_on_http_errors_unless_told_not_to(
        stub: Stub, run: RunServices) -> None:  # noqa: F811
    with pytest.raises(ModuleError, match="404"):
        await call(http.download_file, run, {"url": stub.url("/none")})
    [missing] = await call(http.download_file, run, {"url": stub.url("/none"),
                                                     "stopOnHttpError": False})
    assert missing["statusCode"] == 404


async def test_retrieve_headers_gives_one_bundle_per_header(stub: Stub, run: RunServices  # noqa: F811
                                                            ) -> None:
    stub.route("HEAD", "/h", Reply(headers=[("X-Rate-Limit", "10"), ("Set-Cookie", "a=1"),
                                            ("Set-Cookie", "b=2")]))
    bundles = await call(http.retrieve_headers, run, {"url": stub.url("/h"), "method": "head"})
    assert {"name": "x-rate-limit", "value": "10"} in bundles
    assert [b["value"] for b in bundles if b["name"] == "set-cookie"] == ["a=1", "b=2"]
    assert json.dumps(bundles)  # plain data
