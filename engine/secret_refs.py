"""Secrets replaced by references in what is stored, and put back when it is used.

Stores that must give a run back (incomplete executions, the crash guard) keep
`[secret:<id>:<n>]` instead of each secret (`engine.sensitive` says which values are secrets);
the values go to the secret store (`engine.secrets`: the OS keyring or the encrypted file)
under `<id>`. `restore` puts them back (a retry needs the real password); `forget` deletes
them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from engine.sensitive import (
    MIN_SECRET_LENGTH,
    REDACTED,
    SECRET_MARKER,
    Walker,
    blueprint_value,
    default_registry,
    module_nodes,
    walk_blueprint,
)

if TYPE_CHECKING:
    from engine.registry import Registry
    from engine.secrets import SecretStore

_MARKER = SECRET_MARKER



class Stash:
    """Secrets replaced by `[secret:<id>:<n>]`; `save()` keeps their values under `<id>`."""

    def __init__(self) -> None:
        self.id = uuid.uuid4().hex
        self.values: list[str] = []
        self._index: dict[str, int] = {}

    def marker(self, secret: str) -> str:
        n = self._index.get(secret)
        if n is None:
            n = self._index[secret] = len(self.values)
            self.values.append(secret)
        return f"[secret:{self.id}:{n}]"

    def blueprint(self, blueprint: Any, registry: Registry | None = None) -> Any:
        """Blueprint JSON with its credential fields (whatever their length) referenced."""
        walker = Walker(self.marker, literal=True)
        return walk_blueprint(blueprint_value(blueprint), walker,
                               registry or default_registry())

    def value(self, value: Any, secrets: Iterable[str]) -> Any:
        """Any value with each (searchable) secret referenced wherever it occurs."""
        wanted = sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len,
                        reverse=True)
        return _replace(value, wanted, self.marker) if wanted else value

    def encoded(self, raw: bytes, secrets: Iterable[str]) -> bytes:
        """JSON text with each (searchable) secret referenced, as `value` would on the value
        it holds; only text that holds one is parsed and walked (a secret inside a string is
        in the text, escaped as JSON escapes it)."""
        wanted = [s for s in secrets if len(s) >= MIN_SECRET_LENGTH]
        try:
            held = any(orjson.dumps(s)[1:-1] in raw for s in wanted)
        except TypeError:  # a secret no JSON text can hold (a lone surrogate): walk
            held = True
        if not held:
            return raw
        return orjson.dumps(self.value(orjson.loads(raw), wanted))

    def save(self, store: SecretStore) -> bool:
        """Keep the values (nothing to keep: True)."""
        if not self.values:
            return True
        return store.set(self.id, orjson.dumps(self.values).decode())


def _replace(value: Any, secrets: list[str], marker: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, marker(secret))
        return value
    if isinstance(value, dict):
        return {_replace(k, secrets, marker) if isinstance(k, str) else k:
                _replace(v, secrets, marker) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_replace(v, secrets, marker) for v in value]
    if isinstance(value, (bytes, bytearray)):
        data = bytes(value)
        return REDACTED if any(s.encode() in data for s in secrets) else value
    return value


def stash(values: Sequence[Any], blueprint_index: int | None, secrets: Iterable[str],
          store: SecretStore, registry: Registry | None = None) -> tuple[list[Any], Stash]:
    """`values` with their secrets referenced (`values[blueprint_index]` is blueprint JSON,
    its credential fields referenced by declaration too); the values kept in `store`."""
    box = Stash()
    wanted = list(secrets)
    out = [box.value(box.blueprint(v, registry) if i == blueprint_index else v, wanted)
           for i, v in enumerate(values)]
    box.save(store)
    return out, box


def references(value: Any) -> set[str]:
    """The stash ids a value refers to."""
    found: set[str] = set()
    if isinstance(value, str):
        found.update(m.group(1) for m in _MARKER.finditer(value))
    elif isinstance(value, dict):
        for k, v in value.items():
            found |= references(k) | references(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            found |= references(v)
    return found


def stashed_values(value: Any, store: SecretStore) -> dict[str, list[str]]:
    """The stashes `value` refers to, as found in `store` (missing ones left out)."""
    out: dict[str, list[str]] = {}
    for ref in references(value):
        raw = store.get(ref)
        if raw is None:
            continue
        try:
            values = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        if isinstance(values, list):
            out[ref] = [str(v) for v in values]
    return out


def restore(value: Any, stashes: dict[str, list[str]]) -> Any:
    """`value` with the references to known stashes replaced by their secrets."""
    if isinstance(value, str):
        if "[secret:" not in value:
            return value

        def back(m: re.Match[str]) -> str:
            values = stashes.get(m.group(1))
            n = int(m.group(2))
            return values[n] if values is not None and n < len(values) else m.group(0)

        return _MARKER.sub(back, value)
    if isinstance(value, dict):
        return {restore(k, stashes) if isinstance(k, str) else k: restore(v, stashes)
                for k, v in value.items()}
    if isinstance(value, list):
        return [restore(v, stashes) for v in value]
    return value


def modules_missing_secrets(blueprint: Any) -> list[int]:
    """Modules of blueprint JSON still holding references (their secrets weren't found)."""
    return [int(node["id"]) for node in module_nodes(blueprint)
            if isinstance(node.get("id"), int)
            and references([node.get("parameters"), node.get("mapper")])]


def redacted_modules(blueprint: Any) -> list[int]:
    """Modules of a stored blueprint (model or JSON) whose credentials history blanked."""
    return [int(node["id"]) for node in module_nodes(blueprint_value(blueprint))
            if isinstance(node.get("id"), int)
            and REDACTED in orjson.dumps([node.get("parameters"), node.get("mapper")]).decode()]


def forget(value: Any, store: SecretStore) -> None:
    """Delete the stashes `value` refers to."""
    for ref in references(value):
        store.delete(ref)
