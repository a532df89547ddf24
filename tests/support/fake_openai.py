"""A local fake of OpenAI's API (api.openai.com/v1), on 127.0.0.1, for the OpenAI connector's
tests.

Written from OpenAI's public API reference (platform.openai.com/docs/api-reference: chat
completions, completions, images, audio speech, responses, conversations, models,
embeddings, error codes) and its official clients (openai-python's types):
- `Authorization: Bearer <key>`, optional `OpenAI-Organization`; a wrong key is 401
  `invalid_api_key` with the key masked in the message.
- Bodies are checked as the API checks them: numbers must be numbers, messages take only
  the keys of their role (an unknown key is 400 "Additional properties are not allowed"),
  o-series and gpt-5 models refuse `max_tokens` (they take `max_completion_tokens`),
  DALL-E 3 makes one image per request, GPT Image takes no `response_format`, the Responses
  API refuses `conversation` together with `previous_response_id`.
- Answers have the documented shapes: `chat.completion` with `choices[].message`, `images`
  with `data[].url` or `b64_json`, raw audio bytes, `response` objects whose `output` holds
  `message` items with `output_text` parts.
- 429 `rate_limit_exceeded` when the test limits the rate.

What the model says is the test's: `reply(body) -> text` (default: "echo: " and the last user
message). Modelled, not confirmed: exact error messages, ids' formats, usage numbers.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support.http_stub import Answer, Recorded, served

DEFAULT_KEY = "sk-proj-fakeKey0123456789abcdefTEST"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9Q"
                       "DwADhgGAWjR9awAAAABJRU5ErkJggg==")
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 32
MESSAGE_KEYS = {
    "system": {"role", "content", "name"}, "developer": {"role", "content", "name"},
    "user": {"role", "content", "name"},
    "assistant": {"role", "content", "name", "tool_calls", "refusal", "audio"},
    "tool": {"role", "content", "tool_call_id"},
}
NUMBER_KEYS = ("temperature", "top_p", "frequency_penalty", "presence_penalty", "n", "seed",
               "max_tokens", "max_completion_tokens")


class OpenAIError(Exception):
    def __init__(self, status: int, message: str, kind: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.kind, self.code, self.param = (
            status, message, kind, code, param)

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.kind, "param": self.param,
                          "code": self.code}}


def _reasoning(model: str) -> bool:
    return model.startswith(("o1", "o3", "o4", "gpt-5"))


@dataclass
class FakeOpenAI:
    api_key: str = DEFAULT_KEY
    models: tuple[str, ...] = ("gpt-4o", "gpt-4o-mini", "o1-mini", "gpt-5.1", "dall-e-3",
                               "gpt-image-1", "tts-1")
    reply: Callable[[dict[str, Any]], str] = field(default=lambda body: "echo: " + next(
        (m["content"] if isinstance(m.get("content"), str) else json.dumps(m["content"])
         for m in reversed(body.get("messages") or []) if m.get("role") == "user"),
        str(body.get("input") or body.get("prompt") or "")))
    port: int = 0
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._limited = 0
        self.conversations: dict[str, list[Any]] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def limit_rate(self, times: int = 1) -> None:
        self._limited = times

    def bodies(self, path: str) -> list[Any]:
        return [json.loads(r.body) for r in self.requests if r.path == path and r.body]

    # -- serving -------------------------------------------------------------------------

    def respond(self, request: Recorded) -> Answer:
        self.requests.append(request)
        try:
            with self._lock:
                return self._route(request)
        except OpenAIError as exc:
            return Answer.of(exc.status, exc.body())

    def _route(self, request: Recorded) -> Answer:
        key = request.headers.get("authorization", "").removeprefix("Bearer ")
        if key != self.api_key:
            masked = f"{key[:8]}{'*' * 20}{key[-4:]}" if len(key) > 12 else "***"
            raise OpenAIError(401, f"Incorrect API key provided: {masked}. You can find your "
                                   "API key at https://platform.openai.com/account/api-keys.",
                              code="invalid_api_key")
        if self._limited:
            self._limited -= 1
            raise OpenAIError(429, "Rate limit reached for requests. Please try again in 20s.",
                              kind="requests", code="rate_limit_exceeded")
        body: Any = None
        if request.body and request.headers.get("content-type", "").startswith(
                "application/json"):
            try:
                body = json.loads(request.body)
            except ValueError:
                raise OpenAIError(400, "We could not parse the JSON body of your request."
                                  ) from None
        route = (request.method, request.path)
        if route == ("GET", "/v1/models"):
            return Answer.of(200, {"object": "list", "data": [
                {"id": m, "object": "model", "created": 1715367049, "owned_by": "system"}
                for m in self.models]})
        if route == ("POST", "/v1/chat/completions"):
            return Answer.of(200, self._chat(body or {}))
        if route == ("POST", "/v1/completions"):
            return Answer.of(200, self._completion(body or {}))
        if route == ("POST", "/v1/images/generations"):
            return Answer.of(200, self._images(body or {}))
        if route == ("POST", "/v1/audio/speech"):
            self._model(body or {})
            if not (body or {}).get("input"):
                raise OpenAIError(400, "Missing required parameter: 'input'.", param="input")
            kind = {"mp3": "audio/mpeg", "opus": "audio/ogg", "aac": "audio/aac",
                    "flac": "audio/flac"}.get(body.get("response_format") or "mp3", "audio/mpeg")
            return Answer(200, MP3, kind)
        if route == ("POST", "/v1/conversations"):
            conversation = f"conv_{next(self._ids):024x}"
            self.conversations[conversation] = []
            return Answer.of(200, {"id": conversation, "object": "conversation",
                                   "created_at": 1756488430, "metadata": {}})
        if route == ("POST", "/v1/responses"):
            return Answer.of(200, self._response(body or {}))
        if route == ("POST", "/v1/embeddings"):
            return Answer.of(200, {"object": "list", "model": (body or {}).get("model"),
                                   "data": [{"object": "embedding", "index": 0,
                                             "embedding": [0.0023, -0.0093, 0.0157]}],
                                   "usage": {"prompt_tokens": 3, "total_tokens": 3}})
        raise OpenAIError(404, f"Invalid URL ({request.method} {request.path})")

    # -- endpoints -----------------------------------------------------------------------

    def _model(self, body: dict[str, Any]) -> str:
        model = body.get("model")
        if not model:
            raise OpenAIError(400, "you must provide a model parameter", param="model")
        if model not in self.models:
            raise OpenAIError(404, f"The model `{model}` does not exist or you do not have "
                                   "access to it.", code="model_not_found")
        for key in NUMBER_KEYS:
            value = body.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(
                    value, (int, float))):
                raise OpenAIError(400, f"Invalid type for '{key}': expected a number, but got "
                                       f"a {type(value).__name__} instead.", param=key)
        return str(model)

    def _chat(self, body: dict[str, Any]) -> dict[str, Any]:
        model = self._model(body)
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise OpenAIError(400, "[] is too short - 'messages'", param="messages")
        for index, message in enumerate(messages):
            allowed = MESSAGE_KEYS.get(message.get("role"))
            if allowed is None:
                raise OpenAIError(400, f"Invalid value: '{message.get('role')}'. Supported "
                                       "values are: 'system', 'assistant', 'user', 'tool', "
                                       "and 'developer'.", param=f"messages[{index}].role")
            extra = sorted(set(message) - allowed)
            if extra:
                raise OpenAIError(400, "Additional properties are not allowed ("
                                       f"'{extra[0]}' was unexpected) - 'messages.{index}'")
            content = message.get("content")
            if isinstance(content, list):
                for part in content:
                    if part.get("type") not in ("text", "image_url"):
                        raise OpenAIError(400, "Invalid content part type",
                                          param=f"messages[{index}].content")
        if _reasoning(model) and "max_tokens" in body:
            raise OpenAIError(400, "Unsupported parameter: 'max_tokens' is not supported with "
                                   "this model. Use 'max_completion_tokens' instead.",
                              code="unsupported_parameter", param="max_tokens")
        if body.get("response_format") is not None and not isinstance(
                body["response_format"], dict):
            raise OpenAIError(400, "Invalid type for 'response_format': expected an object.",
                              param="response_format")
        text = self.reply(body)
        count = int(body.get("n") or 1)
        return {
            "id": f"chatcmpl-{next(self._ids):029d}", "object": "chat.completion",
            "created": 1741569952, "model": f"{model}-2024-07-18",
            "choices": [{"index": i, "message": {"role": "assistant", "content": text,
                                                 "refusal": None, "annotations": []},
                         "logprobs": None, "finish_reason": "stop"} for i in range(count)],
            "usage": {"prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29,
                      "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                      "completion_tokens_details": {"reasoning_tokens": 0,
                                                    "audio_tokens": 0}},
            "service_tier": "default", "system_fingerprint": "fp_b705f0c291",
        }

    def _completion(self, body: dict[str, Any]) -> dict[str, Any]:
        model = self._model(body)
        if "prompt" not in body:
            raise OpenAIError(400, "Missing required parameter: 'prompt'.", param="prompt")
        return {"id": f"cmpl-{next(self._ids):029d}", "object": "text_completion",
                "created": 1741569952, "model": model,
                "choices": [{"text": self.reply(body), "index": 0, "logprobs": None,
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}}

    def _images(self, body: dict[str, Any]) -> dict[str, Any]:
        model = self._model(body)
        if not body.get("prompt"):
            raise OpenAIError(400, "Missing required parameter: 'prompt'.", param="prompt")
        if model == "dall-e-3" and int(body.get("n") or 1) != 1:
            raise OpenAIError(400, "You must provide n=1 for this model.", param="n")
        if model == "gpt-image-1" and "response_format" in body:
            raise OpenAIError(400, "Unknown parameter: 'response_format'.",
                              param="response_format")
        if "style" in body and model != "dall-e-3":
            raise OpenAIError(400, "Unknown parameter: 'style'.", param="style")
        as_file = model == "gpt-image-1" or body.get("response_format") == "b64_json"
        image: dict[str, Any] = ({"b64_json": base64.b64encode(PNG).decode()} if as_file
                                 else {"url": f"{self.url}/files/img-{next(self._ids)}.png"})
        if model == "dall-e-3":
            image["revised_prompt"] = f"An illustration: {body['prompt']}"
        return {"created": 1741569952, "data": [image]}

    def _response(self, body: dict[str, Any]) -> dict[str, Any]:
        model = self._model(body)
        if body.get("input") in (None, "", []):
            raise OpenAIError(400, "Missing required parameter: 'input'.", param="input")
        conversation = body.get("conversation")
        if conversation and body.get("previous_response_id"):
            raise OpenAIError(400, "Mutually exclusive parameters: 'conversation' and "
                                   "'previous_response_id'.", param="conversation")
        if conversation and conversation not in self.conversations:
            raise OpenAIError(404, f"Conversation with id '{conversation}' not found.")
        text = self.reply(body)
        response_id = f"resp_{next(self._ids):032x}"
        out: dict[str, Any] = {
            "id": response_id, "object": "response", "created_at": 1756488435,
            "status": "completed", "background": bool(body.get("background")),
            "error": None, "incomplete_details": None,
            "instructions": body.get("instructions"),
            "max_output_tokens": body.get("max_output_tokens"), "model": model,
            "output": [
                {"id": f"rs_{next(self._ids):032x}", "type": "reasoning", "summary": []},
                {"id": f"msg_{next(self._ids):032x}", "type": "message",
                 "status": "completed", "role": "assistant",
                 "content": [{"type": "output_text", "text": text, "annotations": [],
                              "logprobs": []}]}],
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "previous_response_id": body.get("previous_response_id"),
            "reasoning": {"effort": "none", "summary": None}, "store": body.get("store", True),
            "temperature": body.get("temperature", 1.0),
            "text": {"format": {"type": "text"}}, "tool_choice": "auto", "tools": [],
            "top_p": 1.0, "truncation": body.get("truncation", "disabled"),
            "usage": {"input_tokens": 812, "output_tokens": 9, "total_tokens": 821},
            "metadata": body.get("metadata") or {},
        }
        if conversation:
            out["conversation"] = {"id": conversation}
            self.conversations[conversation].append(response_id)
        return out


@contextmanager
def serve_fake_openai(fake: FakeOpenAI | None = None) -> Iterator[FakeOpenAI]:
    with served(fake or FakeOpenAI()) as served_fake:
        yield served_fake


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with serve_fake_openai() as fake:
        yield fake
