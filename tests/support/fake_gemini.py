"""A local fake of Google's Gemini API (generativelanguage.googleapis.com), on 127.0.0.1, for
the Gemini AI connector's tests.

Written from the Gemini API reference (ai.google.dev/api: models.generateContent,
models.list, media.upload and the Files API's resumable upload, error codes) and Google's
clients (google-genai):
- The API key travels in `x-goog-api-key`; a wrong key is 400 INVALID_ARGUMENT with the
  reason API_KEY_INVALID in its details.
- Request bodies are parsed as protobuf JSON: an unknown field is 400 `Invalid JSON payload
  received. Unknown name "…"`; a part holds exactly one of text, inline_data, file_data,
  functionCall, functionResponse; a `file_data.file_uri` must name an uploaded file.
- Upload: POST /upload/v1beta/files with `X-Goog-Upload-Protocol: resumable` and
  `X-Goog-Upload-Command: start` (+ the file's length and type) answers an upload URL in
  `X-Goog-Upload-URL`; POSTing the bytes there with `upload, finalize` answers `{"file":
  {name, displayName, mimeType, sizeBytes, createTime, updateTime, expirationTime,
  sha256Hash, uri, state, source}}`.
- generateContent answers `candidates[].content.parts[].text`, `usageMetadata`,
  `modelVersion`, `responseId`.

What the model says is the test's: `reply(body) -> text`. Modelled, not confirmed: exact
messages, resource names, the 429 body.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support.http_stub import Answer, Recorded, served

DEFAULT_KEY = "AIzaSyFake-Key_0123456789abcdefghijk"
BODY_FIELDS = {"contents", "system_instruction", "systemInstruction", "generationConfig",
               "generation_config", "safetySettings", "safety_settings", "tools",
               "tool_config", "toolConfig", "cachedContent", "serviceTier"}
PART_FIELDS = {"text", "inline_data", "inlineData", "file_data", "fileData", "functionCall",
               "function_call", "functionResponse", "function_response", "thought",
               "thoughtSignature"}
CONFIG_FIELDS = {"stopSequences", "responseMimeType", "responseSchema", "responseModalities",
                 "candidateCount", "maxOutputTokens", "temperature", "topP", "topK", "seed",
                 "presencePenalty", "frequencyPenalty", "thinkingConfig", "mediaResolution",
                 "imageConfig", "responseJsonSchema"}


class GoogleError(Exception):
    def __init__(self, code: int, status: str, message: str,
                 details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.code, self.status, self.message, self.details = code, status, message, details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message,
                                 "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def _unknown(name: str, where: str) -> GoogleError:
    return GoogleError(400, "INVALID_ARGUMENT", f'Invalid JSON payload received. Unknown name '
                                                f'"{name}" at \'{where}\': Cannot find field.')


@dataclass
class FakeGemini:
    api_key: str = DEFAULT_KEY
    models: tuple[str, ...] = ("gemini-2.5-flash", "gemini-2.5-pro", "text-embedding-004")
    reply: Callable[[dict[str, Any]], str] = field(default=lambda body: "OK")
    port: int = 0
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._limited = 0
        self.uploads: dict[str, dict[str, Any]] = {}  # upload id -> pending metadata
        self.files: dict[str, dict[str, Any]] = {}  # uri -> file (with its bytes)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def limit_rate(self, times: int = 1) -> None:
        self._limited = times

    def respond(self, request: Recorded) -> Answer:
        self.requests.append(request)
        try:
            with self._lock:
                return self._route(request)
        except GoogleError as exc:
            return Answer.of(exc.code, exc.body())

    def _route(self, request: Recorded) -> Answer:
        if request.path.startswith("/upload/session/"):
            return self._finish_upload(request)  # the upload URL carries its own id
        if request.headers.get("x-goog-api-key") != self.api_key:
            raise GoogleError(400, "INVALID_ARGUMENT",
                              "API key not valid. Please pass a valid API key.", [
                                  {"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                   "reason": "API_KEY_INVALID", "domain": "googleapis.com"}])
        if self._limited:
            self._limited -= 1
            raise GoogleError(429, "RESOURCE_EXHAUSTED",
                              "You exceeded your current quota, please check your plan and "
                              "billing details.")
        if (request.method, request.path) == ("GET", "/v1beta/models"):
            return Answer.of(200, {"models": [
                {"name": f"models/{m}", "displayName": m.replace("-", " ").title(),
                 "supportedGenerationMethods": ["embedContent"] if "embedding" in m
                 else ["generateContent", "countTokens"]} for m in self.models]})
        if (request.method, request.path) == ("POST", "/upload/v1beta/files"):
            return self._start_upload(request)
        if request.method == "POST" and request.path.endswith(":generateContent"):
            model = request.path.removeprefix("/v1beta/models/").removesuffix(
                ":generateContent")
            return Answer.of(200, self._generate(model, json.loads(request.body or b"{}")))
        raise GoogleError(404, "NOT_FOUND", f"Method not found: {request.path}")

    # -- Files API ---------------------------------------------------------------------

    def _start_upload(self, request: Recorded) -> Answer:
        headers = request.headers
        if headers.get("x-goog-upload-protocol") != "resumable" or headers.get(
                "x-goog-upload-command") != "start":
            raise GoogleError(400, "INVALID_ARGUMENT", "Upload protocol or command missing.")
        metadata = json.loads(request.body or b"{}")
        unknown = set(metadata) - {"file"} or set(metadata.get("file") or {}) - {
            "display_name", "displayName", "name"}
        if unknown:
            raise _unknown(sorted(unknown)[0], "file")
        upload = f"up{next(self._ids):08d}"
        self.uploads[upload] = {
            "length": int(headers.get("x-goog-upload-header-content-length") or -1),
            "type": headers.get("x-goog-upload-header-content-type") or "",
            "name": (metadata.get("file") or {}).get("display_name")}
        return Answer(200, b"", "text/plain",
                      {"x-goog-upload-url": f"{self.url}/upload/session/{upload}",
                       "x-goog-upload-status": "active"})

    def _finish_upload(self, request: Recorded) -> Answer:
        upload = self.uploads.pop(request.path.rsplit("/", 1)[-1], None)
        if upload is None:
            raise GoogleError(404, "NOT_FOUND", "Upload session not found.")
        if request.headers.get("x-goog-upload-command") != "upload, finalize" or (
                request.headers.get("x-goog-upload-offset") != "0"):
            raise GoogleError(400, "INVALID_ARGUMENT", "Upload command or offset missing.")
        if len(request.body) != upload["length"]:
            raise GoogleError(400, "INVALID_ARGUMENT",
                              "The length of the upload does not match the length declared.")
        name = f"files/{next(self._ids):010d}abc"
        uri = f"https://generativelanguage.googleapis.com/v1beta/{name}"
        digest = base64.b64encode(hashlib.sha256(request.body).hexdigest().encode()).decode()
        file = {"name": name, "displayName": upload["name"], "mimeType": upload["type"],
                "sizeBytes": str(len(request.body)), "createTime": "2026-03-02T09:15:27.412Z",
                "updateTime": "2026-03-02T09:15:27.412Z",
                "expirationTime": "2026-03-04T09:15:27.380Z", "sha256Hash": digest,
                "uri": uri, "state": "ACTIVE", "source": "UPLOADED"}
        self.files[uri] = {**file, "bytes": request.body}
        return Answer.of(200, {"file": file})

    # -- generateContent ---------------------------------------------------------------

    def _generate(self, model: str, body: dict[str, Any]) -> dict[str, Any]:
        if model not in self.models:
            raise GoogleError(404, "NOT_FOUND", f"models/{model} is not found for API version "
                                                "v1beta, or is not supported for "
                                                "generateContent.")
        for name in body:
            if name not in BODY_FIELDS:
                raise _unknown(name, "")
        contents = body.get("contents")
        if not contents:
            raise GoogleError(400, "INVALID_ARGUMENT", "* GenerateContentRequest.contents: "
                                                       "contents is not specified")
        for i, content in enumerate(contents):
            if content.get("role") not in ("user", "model", None):
                raise GoogleError(400, "INVALID_ARGUMENT", "Please use a valid role: user, "
                                                           "model.")
            for j, part in enumerate(content.get("parts") or []):
                where = f"contents[{i}].parts[{j}]"
                for name in part:
                    if name not in PART_FIELDS:
                        raise _unknown(name, where)
                data = part.get("file_data") or part.get("fileData")
                if data is not None:
                    uri = data.get("file_uri") or data.get("fileUri")
                    if uri not in self.files:
                        raise GoogleError(403, "PERMISSION_DENIED", "You do not have "
                                          "permission to access the File or it may not exist.")
                    if (data.get("mime_type") or data.get("mimeType")) != self.files[uri][
                            "mimeType"]:
                        raise GoogleError(400, "INVALID_ARGUMENT", "Mime type mismatch.")
        for name in body.get("generationConfig") or {}:
            if name not in CONFIG_FIELDS:
                raise _unknown(name, "generation_config")
        text = self.reply(body)
        return {"candidates": [{"content": {"parts": [{"text": text}], "role": "model"},
                                "finishReason": "STOP", "index": 0}],
                "usageMetadata": {"promptTokenCount": 1290, "candidatesTokenCount": 22,
                                  "totalTokenCount": 1312, "thoughtsTokenCount": 0},
                "modelVersion": model, "responseId": f"resp{next(self._ids):012d}"}


@contextmanager
def serve_fake_gemini(fake: FakeGemini | None = None) -> Iterator[FakeGemini]:
    with served(fake or FakeGemini()) as served_fake:
        yield served_fake


@pytest.fixture
def fake_gemini() -> Iterator[FakeGemini]:
    with serve_fake_gemini() as fake:
        yield fake
