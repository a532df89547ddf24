"""Which values of a scenario are secrets, and how they are kept out of stores and messages.

A value is a secret when the module declaration says its field is (`FieldSpec.sensitive`:
passwords, tokens, API keys), when it is the value of a name/value item whose name says
credential (`sensitive="named"`: headers such as Authorization or X-API-Key, query strings
with api_key or token), or when it is the `user:password` of a URL anywhere. Fields a
blueprint has that its module doesn't declare are judged by their names.

- `scenario_secrets(blueprint)` finds the literal secrets of a blueprint (for `Bearer xyz`
  both the value and `xyz`); values mapped with IML (`{{...}}`) are known only once evaluated:
  `ScenarioSecrets.of_input` hides and returns those of one operation's input.
- `Redactor` hides secrets in messages and values by substring (`[redacted]`), and scrubs URL
  credentials from any text.
- `engine.secret_refs` replaces secrets by references for the stores that must give them
  back (incomplete executions, the crash guard).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

if TYPE_CHECKING:
    from engine.registry import Registry
    from engine.spec import FieldSpec

REDACTED = "[redacted]"
# Literal secrets shorter than this are hidden where they stand (their field), never searched
# for elsewhere: "pw" would hide every word containing it.
MIN_SECRET_LENGTH = 4

# Header, query and field names that carry credentials.
CREDENTIAL_HEADERS = frozenset({
    "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key",
    "apikey",
})
CREDENTIAL_WORDS = ("token", "secret", "password", "passwd", "api-key", "apikey", "api_key",
                    "auth")
CREDENTIAL_NAMES = frozenset({"key", "pass", "pwd", "sig", "signature", "sessionid"})
# Undeclared fields judged by name (stricter than headers: `authenticationType` is no secret).
_SECRET_FIELD = re.compile(r"(pass(word)?|passwd|pwd|secret|token|api[-_]?key)$", re.I)
_NAMED_FIELDS = frozenset({"headers", "qs", "queryParameters", "queryString", "query"})
# `Bearer xyz`, `Basic xyz`, `Token xyz`: the credential part is a secret too.
_SCHEME = re.compile(r"^\s*(bearer|basic|token|digest|bot|apikey|key|sso-key)\s+(\S.*)$", re.I)
_URL_USERINFO = re.compile(r"([a-z][a-z0-9+.-]*://)([^\s/?#@\[\]]*:[^\s/?#@]+)@", re.I)
_QUERY_ITEM = re.compile(r"([?&])([^=&#\s\"'<>]+)=([^&#\s\"'<>]+)")
_USERINFO = re.compile(r"[^\s/?#@\[\]:]*:[^\s/?#@]+")
# A reference to a stashed secret (engine.secret_refs): not a secret itself.
SECRET_MARKER = re.compile(r"\[secret:([0-9a-f]{32}):(\d+)\]")


def is_credential_name(name: str) -> bool:
    """A header or query item name that says its value is a credential."""
    lower = name.strip().lower()
    return (lower in CREDENTIAL_HEADERS or lower in CREDENTIAL_NAMES
            or any(word in lower for word in CREDENTIAL_WORDS))


def url_without_credentials(url: str) -> str:
    """The URL without user:password and with credential-like query values redacted."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    items = []
    for item in parts.query.split("&") if parts.query else []:
        name, equals, _value = item.partition("=")
        items.append(f"{name}={REDACTED}" if equals and is_credential_name(name) else item)
    query = "&".join(items)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _runtime(text: str) -> bool:
    """IML (known only when evaluated) or an already stashed reference."""
    return "{{" in text or SECRET_MARKER.search(text) is not None


def credential_parts(value: str) -> list[str]:
    """A credential value and, for `Bearer xyz`-like values, `xyz`."""
    parts = [value]
    scheme = _SCHEME.match(value)
    if scheme:
        parts.append(scheme.group(2).strip())
    return [p for p in parts if p]


def _hide_in_text(text: str, hide: Callable[[str], str]) -> str:
    """URL credentials (userinfo, credential query values) inside any text."""
    if "://" not in text and "=" not in text:
        return text
    def userinfo(m: re.Match[str]) -> str:
        password = m.group(2).partition(":")[2]
        if len(password) >= MIN_SECRET_LENGTH:
            _hide_part(password, hide)  # seen alone too (only `user:password` is replaced)
        return f"{m.group(1)}{_hide_part(m.group(2), hide)}@"

    out = _URL_USERINFO.sub(userinfo, text)

    def query(m: re.Match[str]) -> str:
        if not is_credential_name(unquote(m.group(2))):
            return m.group(0)
        return f"{m.group(1)}{m.group(2)}={_hide_part(m.group(3), hide)}"

    return _QUERY_ITEM.sub(query, out)


def _hide_part(part: str, hide: Callable[[str], str]) -> str:
    return part if _runtime(part) else hide(part)


def scrub_text(text: str) -> str:
    """`text` with URL credentials (whatever their value) replaced by `[redacted]`."""
    return _hide_in_text(text, lambda _secret: REDACTED)


class Walker:
    """Walks module fields by their declarations; `hide(secret)` gives each secret's
    replacement and sees every secret found (the collecting, blanking and stashing modes)."""

    def __init__(self, hide: Callable[[str], str], literal: bool) -> None:
        self.hide = hide
        self.literal = literal  # a blueprint (skip IML), or an evaluated input

    def secret(self, value: Any) -> Any:
        """A value that is a credential as a whole (every leaf of it)."""
        if isinstance(value, str):
            if not value or (self.literal and _runtime(value)):
                return self.text(value)
            return self.hide(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return self.hide(str(value))
        if isinstance(value, dict):
            return {k: self.secret(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.secret(v) for v in value]
        return value

    def text(self, value: str) -> str:
        return _hide_in_text(value, self.hide)

    def fields(self, specs: Sequence[FieldSpec] | None, data: Any) -> Any:
        if not isinstance(data, dict):
            return self.plain(data)
        declared = {f.name: f for f in specs or ()}
        out: dict[str, Any] = {}
        for key, value in data.items():
            spec = declared.get(key)
            if spec is not None:
                out[key] = self.field(spec, value)
            elif _SECRET_FIELD.search(str(key)):
                out[key] = self.secret(value)
            elif key in _NAMED_FIELDS:
                out[key] = self.named(value)
            else:
                out[key] = self.plain(value)
        return out

    def field(self, spec: FieldSpec, value: Any) -> Any:
        if spec.sensitive is True:
            return self.secret(value)
        if spec.sensitive == "named":
            return self.named(value)
        if spec.spec and isinstance(value, list):
            return [self.fields(spec.spec, v) for v in value]
        if spec.spec and isinstance(value, dict):
            return self.fields(spec.spec, value)
        return self.plain(value)

    def named(self, value: Any) -> Any:
        """[{name|key, value}] items (or a {name: value} collection) by their names."""
        if isinstance(value, dict):
            return {k: self.secret(v) if is_credential_name(str(k)) else self.plain(v)
                    for k, v in value.items()}
        if not isinstance(value, list):
            return self.plain(value)
        items: list[Any] = []
        for item in value:
            if isinstance(item, dict) and "value" in item:
                name = item.get("name", item.get("key"))
                if isinstance(name, str) and is_credential_name(name):
                    items.append({**item, "value": self.secret(item["value"])})
                    continue
            items.append(self.plain(item))
        return items

    def plain(self, value: Any) -> Any:
        """A value of no declared field: only URL credentials and secret-named keys."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return self.fields(None, value)
        if isinstance(value, list):
            return [self.plain(v) for v in value]
        return value


def default_registry() -> Registry:
    from engine.registry import default_registry

    return default_registry()


def blueprint_value(blueprint: Any) -> Any:
    if hasattr(blueprint, "model_dump"):
        return blueprint.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return blueprint


def walk_blueprint(value: Any, walker: Walker, registry: Registry) -> Any:
    """A copy of blueprint JSON with every module's parameters and mapper walked."""
    if isinstance(value, list):
        return [walk_blueprint(v, walker, registry) for v in value]
    if not isinstance(value, dict):
        return value
    module = value.get("module")
    if not isinstance(module, str):
        return {k: walk_blueprint(v, walker, registry) for k, v in value.items()}
    spec = registry.get(module)
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "parameters":
            out[key] = walker.fields(spec.parameters if spec else None, item)
        elif key == "mapper":
            out[key] = walker.fields(spec.mapper if spec else None, item)
        else:
            out[key] = walk_blueprint(item, walker, registry)
    return out


def module_nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every module of blueprint JSON (routes, error handlers and branches included)."""
    if isinstance(value, list):
        for v in value:
            yield from module_nodes(v)
    elif isinstance(value, dict):
        if isinstance(value.get("module"), str):
            yield value
        for key, v in value.items():
            if key not in ("parameters", "mapper"):
                yield from module_nodes(v)


@dataclass
class ScenarioSecrets:
    """The secrets of one scenario: literal values, and the modules whose evaluated input
    may hold more (their declarations say which fields)."""

    values: set[str] = field(default_factory=set)
    watched: dict[int, Sequence[FieldSpec]] = field(default_factory=dict)

    def of_input(self, module_id: int, data: Any) -> tuple[Any, set[str]]:
        """One operation's input with its secrets hidden, and the secrets (None: none)."""
        specs = self.watched.get(module_id)
        if specs is None or not isinstance(data, dict):
            return data, set()
        found: set[str] = set()
        hidden = Walker(_collector(found, REDACTED), literal=False).fields(specs, data)
        return (hidden, found) if found else (data, found)

    def learn(self, found: Iterable[str]) -> list[str]:
        """Add secrets a run evaluated; returns those worth searching for."""
        found = set(found)
        self.values |= found
        return sorted(v for v in found if len(v) >= MIN_SECRET_LENGTH)

    def searchable(self) -> list[str]:
        """The values worth searching for everywhere (long enough not to hide words)."""
        return sorted(v for v in self.values if len(v) >= MIN_SECRET_LENGTH)


def basic_credentials(user: str, password: str) -> str:
    """What `Authorization: Basic ...` carries for a user and password."""
    return base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _collector(found: set[str], replacement: str | None) -> Callable[[str], str]:
    def hide(secret: str) -> str:
        for part in credential_parts(secret):
            found.add(part)
            decoded = unquote(part)
            if decoded != part:
                found.add(decoded)
        user, colon, password = secret.partition(":")
        if colon and _USERINFO.fullmatch(secret):  # URL user:password: sent as Basic auth
            found.add(basic_credentials(unquote(user), unquote(password)))
        return secret if replacement is None else replacement

    return hide


def _watches(specs: Sequence[FieldSpec]) -> bool:
    return any(f.sensitive or f.type == "url" or (f.spec and _watches(f.spec)) for f in specs)


def scenario_secrets(blueprint: Any, registry: Registry | None = None,
                     extra: Iterable[str] = ()) -> ScenarioSecrets:
    """The secrets a blueprint (model or JSON) holds, plus `extra` known ones."""
    registry = registry or default_registry()
    value = blueprint_value(blueprint)
    found: set[str] = {s for s in extra if s}
    walk_blueprint(value, Walker(_collector(found, None), literal=True), registry)
    watched: dict[int, Sequence[FieldSpec]] = {}
    for node in module_nodes(value):
        mapper = node.get("mapper")
        if not isinstance(mapper, dict):
            mapper = {}
        user, password = mapper.get("authUser"), mapper.get("authPass")
        if isinstance(password, str) and password and not _runtime(password) and (
                isinstance(user, str) and not _runtime(user)):  # the HTTP modules' Basic auth
            found.add(basic_credentials(user, password))
        spec = registry.get(node["module"])
        if isinstance(node.get("id"), int) and (spec is None or _watches(spec.mapper)):
            watched[node["id"]] = spec.mapper if spec is not None else ()
    return ScenarioSecrets(found, watched)


_BY_SOURCE: dict[tuple[int, tuple[str, ...]], tuple[Any, ScenarioSecrets]] = {}
_BY_SOURCE_SIZE = 64


def secrets_of_source(source: Any, extra: Iterable[str] = ()) -> ScenarioSecrets:
    """`scenario_secrets` of blueprint JSON that a runtime runs again and again: found once
    per source object (kept alive with the answer, so its id is never another's), a fresh
    copy each time (a run learns more secrets as it goes)."""
    key = (id(source), tuple(sorted(s for s in extra if s)))
    found = _BY_SOURCE.get(key)
    if found is None or found[0] is not source:
        if len(_BY_SOURCE) >= _BY_SOURCE_SIZE:
            _BY_SOURCE.clear()
        found = _BY_SOURCE[key] = (source, scenario_secrets(source, extra=key[1]))
    template = found[1]
    return ScenarioSecrets(set(template.values), template.watched)


def blank_blueprint(blueprint: Any, registry: Registry | None = None) -> Any:
    """Blueprint JSON with every credential field's literal value `[redacted]`."""
    walker = Walker(_collector(set(), REDACTED), literal=True)
    return walk_blueprint(blueprint_value(blueprint), walker, registry or default_registry())


class Redactor:
    """Hides known secrets by substring and scrubs URL credentials, in text and values."""

    def __init__(self, secrets: Iterable[str]) -> None:
        wanted = {s for s in secrets if len(s) >= MIN_SECRET_LENGTH}
        self.secrets = sorted(wanted, key=len, reverse=True)  # longest first

    def text(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return scrub_text(text)

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(k) if isinstance(k, str) else k: self.value(v)
                    for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        if isinstance(value, (bytes, bytearray)):
            data = bytes(value)
            return REDACTED if any(s.encode() in data for s in self.secrets) else value
        return value
