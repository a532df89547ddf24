"""Structural validation of a blueprint, with the module id and JSON path of each problem.

Works on the raw JSON (so a file can be checked before the model is built, and every
message can point at `flow[2].routes[1].flow[0].filter.conditions[0][1]`). Make wrote every
real export, so anything seen in them is accepted: `"id": null` placeholders, filters on
routers, filters without conditions, disabled routes, unknown apps, no `version`,
`mapper: null`, and filter operators Scenarist does not know (`text:isempty`): a warning
here, an error only when such a filter is evaluated.

What no JSON writer downstream could store is refused here, once, with its path: text with
a lone UTF-16 surrogate (Python's json reads `"\ud800"`, orjson and SQLite refuse to write
it), a module id that is not a safe integer, nesting deeper than `MAX_NESTING`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from engine.errors import BlueprintError
from engine.filters import find_operator
from engine.values import MAX_SAFE_INTEGER, has_lone_surrogate

if TYPE_CHECKING:
    from engine.blueprint import Blueprint

# Make's own validator uses ^[a-z][a-z0-9-]*:[A-Za-z0-9]+$; custom apps may carry more.
_MODULE_NAME = re.compile(r"^[A-Za-z0-9][\w.-]*:\w+$")
_BRANCH_TYPES = ("condition", "else")
# Real exports nest at most ~40 levels; pydantic and the IML compiler give up near 250.
MAX_NESTING = 128
_MAX_TEXT_PROBLEMS = 10  # a pasted binary can hold thousands: the first ones say enough


def iter_modules(flow: Any, path: str = "flow") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every module object of a raw flow, depth-first, with its JSON path.

    Follows routes, If-Else branches, error handlers and AI-agent tools; skips anything
    malformed (the checker reports it).
    """
    if not isinstance(flow, list):
        return
    for i, node in enumerate(flow):
        if not isinstance(node, dict):
            continue
        here = f"{path}[{i}]"
        yield here, node
        for label, sub in _nested_flows(node):
            yield from iter_modules(sub, f"{here}.{label}")


def _nested_flows(node: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for key in ("routes", "branches", "tools"):
        items = node.get(key)
        if isinstance(items, list):
            for i, item in enumerate(items):
                if isinstance(item, dict) and "flow" in item:
                    yield f"{key}[{i}].flow", item["flow"]
    if "onerror" in node and node["onerror"] is not None:
        yield "onerror", node["onerror"]


class _Checker:
    def __init__(self, file: str | None) -> None:
        self.file = file
        self.problems: list[BlueprintError] = []
        self.warnings: list[BlueprintError] = []  # located like problems, but not fatal
        self.seen_ids: dict[int, str] = {}

    def report(self, message: str, path: str | None, module_id: int | None = None) -> None:
        self.problems.append(
            BlueprintError(message, file=self.file, module_id=module_id, path=path)
        )

    def warn(self, message: str, path: str | None, module_id: int | None = None) -> None:
        self.warnings.append(
            BlueprintError(message, file=self.file, module_id=module_id, path=path)
        )

    # -- values anywhere in the document --

    def values(self, data: Any) -> bool:
        """Nesting and text that nothing downstream can hold; False when too deep to go on.
        Iterative: a file nested 10,000 levels must not exhaust Python's stack here."""
        texts = 0  # problems with text so far
        stack: list[tuple[Any, str, int, bool]] = [(data, "", 0, False)]
        while stack:
            value, path, depth, bad_key = stack.pop()
            if bad_key and texts < _MAX_TEXT_PROBLEMS:
                texts += 1
                self.report("a key holds a lone UTF-16 surrogate, which cannot be stored",
                            path, _owner(data, path))
            if isinstance(value, str):
                if has_lone_surrogate(value) and texts < _MAX_TEXT_PROBLEMS:
                    texts += 1
                    self.report("text holds a lone UTF-16 surrogate (an escape such as "
                                "\\ud800 without its pair), which cannot be stored",
                                path or None, _owner(data, path))
                continue
            if not isinstance(value, (dict, list)):
                continue
            if depth >= MAX_NESTING:
                self.report(f"nested more than {MAX_NESTING} levels deep",
                            _shorten(path) or None, _owner(data, path))
                return False
            if isinstance(value, dict):
                for key, item in reversed(value.items()):
                    bad = has_lone_surrogate(key)
                    name = _printable(key) if bad else key
                    stack.append((item, f"{path}.{name}" if path else name, depth + 1, bad))
            else:
                for i in range(len(value) - 1, -1, -1):
                    stack.append((value[i], f"{path}[{i}]", depth + 1, False))
        return True

    # -- top level --

    def blueprint(self, data: Any) -> None:
        if not isinstance(data, dict):
            self.report(f"a blueprint is a JSON object, not {_kind(data)}", None)
            return
        if "flow" not in data:
            self.report("the blueprint has no `flow`", "flow")
        else:
            self.flow(data["flow"], "flow", None)
        if "name" in data and data["name"] is not None and not isinstance(data["name"], str):
            self.report(f"`name` must be text, not {_kind(data['name'])}", "name")
        metadata = data.get("metadata")
        if "metadata" in data and not isinstance(metadata, dict):
            self.report(f"`metadata` must be an object, not {_kind(metadata)}", "metadata")
        elif isinstance(metadata, dict):
            scenario = metadata.get("scenario")
            if "scenario" in metadata and not isinstance(scenario, dict):
                self.report("`metadata.scenario` must be an object", "metadata.scenario")

    def flow(self, flow: Any, path: str, owner: int | None) -> None:
        if not isinstance(flow, list):
            self.report(f"a flow must be a list of modules, not {_kind(flow)}", path, owner)
            return
        for i, node in enumerate(flow):
            self.module(node, f"{path}[{i}]", owner)

    # -- one module --

    def module(self, node: Any, path: str, owner: int | None) -> None:
        if not isinstance(node, dict):
            self.report(f"a module must be an object, not {_kind(node)}", path, owner)
            return
        module_id = self.module_id(node, path, owner)
        name = node.get("module")
        if not isinstance(name, str):
            message = "module has no `module` (app:Name)" if name is None else (
                f"`module` must be text like app:Name, not {_kind(name)}")
            self.report(message, f"{path}.module", module_id)
        elif not _MODULE_NAME.match(name):
            self.report(f"`module` {name!r} is not shaped app:Name", f"{path}.module", module_id)
        version = node.get("version")
        if version is not None and not _is_int(version):
            self.report(f"`version` must be an integer, not {_kind(version)}",
                        f"{path}.version", module_id)
        for key in ("parameters", "metadata"):
            value = node.get(key)
            if value is not None and not isinstance(value, dict):
                self.report(f"`{key}` must be an object, not {_kind(value)}",
                            f"{path}.{key}", module_id)
        if node.get("filter") is not None:
            self.filter(node["filter"], f"{path}.filter", module_id)
        if "routes" in node and node["routes"] is not None:
            self.routes(node["routes"], f"{path}.routes", module_id)
        if "onerror" in node and node["onerror"] is not None:
            self.flow(node["onerror"], f"{path}.onerror", module_id)
        if "branches" in node and node["branches"] is not None:
            self.branches(node["branches"], f"{path}.branches", module_id)
        if "outputs" in node and node["outputs"] is not None:
            self.merge_outputs(node["outputs"], f"{path}.outputs", module_id)
        if "filters" in node and node["filters"] is not None:
            self.merge_filters(node["filters"], f"{path}.filters", module_id)
        if isinstance(node.get("tools"), list):
            for i, tool in enumerate(node["tools"]):
                if isinstance(tool, dict) and "flow" in tool:
                    self.flow(tool["flow"], f"{path}.tools[{i}].flow", module_id)

    def module_id(self, node: dict[str, Any], path: str, owner: int | None) -> int | None:
        module_id = node.get("id")
        if module_id is None:  # placeholders carry "id": null
            return None
        if (_is_int(module_id) or isinstance(module_id, float) and module_id.is_integer()) \
                and module_id > MAX_SAFE_INTEGER:
            self.report(f"module id {module_id!r} is not a safe integer: Make's ids are "
                        f"whole numbers up to {MAX_SAFE_INTEGER}", f"{path}.id", owner)
            return None
        if not _is_int(module_id) or module_id < 1:
            self.report(f"module id must be a positive integer, not {module_id!r}",
                        f"{path}.id", owner)
            return None
        first = self.seen_ids.get(module_id)
        if first is not None:
            self.report(f"module id {module_id} is used twice (first at {first})",
                        f"{path}.id", module_id)
        else:
            self.seen_ids[module_id] = path
        return int(module_id)

    def routes(self, routes: Any, path: str, module_id: int | None) -> None:
        if not isinstance(routes, list):
            self.report(f"`routes` must be a list of {{flow: [...]}}, not {_kind(routes)}",
                        path, module_id)
            return
        for i, route in enumerate(routes):
            here = f"{path}[{i}]"
            if not isinstance(route, dict):
                self.report(f"a route must be an object {{flow: [...]}}, not {_kind(route)}",
                            here, module_id)
            elif "flow" not in route:
                self.report("route has no `flow`", here, module_id)
            else:
                self.flow(route["flow"], f"{here}.flow", module_id)
                disabled = route.get("disabled")
                if disabled is not None and not isinstance(disabled, bool):
                    self.report("`disabled` must be true or false", f"{here}.disabled",
                                module_id)

    def branches(self, branches: Any, path: str, module_id: int | None) -> None:
        if not isinstance(branches, list):
            self.report(f"`branches` must be a list, not {_kind(branches)}", path, module_id)
            return
        for i, branch in enumerate(branches):
            here = f"{path}[{i}]"
            if not isinstance(branch, dict):
                self.report(f"a branch must be an object, not {_kind(branch)}", here, module_id)
                continue
            kind = branch.get("type")
            if kind is not None and kind not in _BRANCH_TYPES:
                self.report(f"branch `type` must be \"condition\" or \"else\", not {kind!r}",
                            f"{here}.type", module_id)
            for key in ("merge", "disabled"):
                value = branch.get(key)
                if value is not None and not isinstance(value, bool):
                    self.report(f"`{key}` must be true or false", f"{here}.{key}", module_id)
            if branch.get("conditions") is not None:
                self.conditions(branch["conditions"], f"{here}.conditions", module_id)
            if "flow" not in branch:
                self.report("branch has no `flow`", here, module_id)
            else:
                self.flow(branch["flow"], f"{here}.flow", module_id)

    def filter(self, value: Any, path: str, module_id: int | None) -> None:
        if not isinstance(value, dict):
            self.report(f"a filter must be an object {{name, conditions}}, not {_kind(value)}",
                        path, module_id)
            return
        name = value.get("name")
        if name is not None and not isinstance(name, str):
            self.report(f"filter `name` must be text, not {_kind(name)}", f"{path}.name",
                        module_id)
        if value.get("conditions") is not None:
            self.conditions(value["conditions"], f"{path}.conditions", module_id)

    def conditions(self, value: Any, path: str, module_id: int | None) -> None:
        if not isinstance(value, list):
            self.report(f"`conditions` must be a list of lists (OR of AND), not {_kind(value)}",
                        path, module_id)
            return
        for i, group in enumerate(value):
            if not isinstance(group, list):
                self.report(f"a condition group must be a list, not {_kind(group)}",
                            f"{path}[{i}]", module_id)
                continue
            for j, condition in enumerate(group):
                self.condition(condition, f"{path}[{i}][{j}]", module_id)

    def condition(self, value: Any, path: str, module_id: int | None) -> None:
        if not isinstance(value, dict):
            self.report(f"a condition must be an object {{a, o, b}}, not {_kind(value)}",
                        path, module_id)
            return
        operator = value.get("o")
        if operator is None:
            self.report("condition has no operator `o`", path, module_id)
        elif not isinstance(operator, str):
            self.report(f"operator `o` must be text, not {_kind(operator)}", f"{path}.o",
                        module_id)
        elif find_operator(operator) is None:
            self.warn(f"filter operator {operator!r} is not supported yet: the blueprint "
                      "loads, and the filter fails when it is evaluated", f"{path}.o",
                      module_id)

    def merge_outputs(self, value: Any, path: str, module_id: int | None) -> None:
        if not isinstance(value, list):
            self.report(f"Merge `outputs` must be a list, not {_kind(value)}", path, module_id)
            return
        for i, output in enumerate(value):
            here = f"{path}[{i}]"
            if not isinstance(output, dict):
                self.report(f"a Merge output must be an object {{name, mappings}}, "
                            f"not {_kind(output)}", here, module_id)
                continue
            if not isinstance(output.get("name"), str):
                self.report("Merge output has no `name`", f"{here}.name", module_id)
            mappings = output.get("mappings")
            if mappings is not None and not isinstance(mappings, list):
                self.report(f"Merge `mappings` must be a list, not {_kind(mappings)}",
                            f"{here}.mappings", module_id)

    def merge_filters(self, value: Any, path: str, module_id: int | None) -> None:
        if not isinstance(value, list):
            self.report(f"Merge `filters` must be a list, not {_kind(value)}", path, module_id)
            return
        for i, item in enumerate(value):
            if item is not None:
                self.filter(item, f"{path}[{i}]", module_id)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _printable(text: str) -> str:
    """Text with lone surrogates written as escapes (`\\ud800`), so a message can show it."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _shorten(path: str, keep: int = 80) -> str:
    """A path nested hundreds of levels, cut to its start (which says where it began)."""
    return path if len(path) <= keep else path[:keep] + "…"


def _owner(data: Any, path: str) -> int | None:
    """The id of the innermost module on the way to `path` (for a problem's location)."""
    found = None
    node = data
    for step in re.findall(r"\[(\d+)\]|\.?([^.\[]+)", path):
        index, key = step
        try:
            node = node[int(index)] if index else node[key]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "module" in node and _is_int(node.get("id")):
            found = node["id"]
    return found


def inspect(data: Blueprint | Any, file: str | None = None
            ) -> tuple[list[BlueprintError], list[BlueprintError]]:
    """(problems, warnings) of raw JSON or a `Blueprint`, each in document order."""
    from engine.blueprint import Blueprint

    if isinstance(data, Blueprint):
        data = data.to_json_obj()
    checker = _Checker(file)
    if checker.values(data):
        checker.blueprint(data)
    return deduplicate(checker.problems), deduplicate(checker.warnings)


def deduplicate(found: list[BlueprintError]) -> list[BlueprintError]:
    """The problems in their order, each message once."""
    seen: set[str] = set()
    out = []
    for item in found:
        text = item.describe()
        if text not in seen:
            seen.add(text)
            out.append(item)
    return out


def find_problems(data: Blueprint | Any, file: str | None = None) -> list[BlueprintError]:
    """Every structural problem, in document order (raw JSON or a `Blueprint`)."""
    return inspect(data, file)[0]


def validate(blueprint: Blueprint | Any, file: str | None = None) -> None:
    """Raise `BlueprintError` for the first problem (the message counts the others)."""
    problems = find_problems(blueprint, file)
    if problems:
        first = problems[0]
        if len(problems) > 1:
            more = len(problems) - 1
            first = BlueprintError(
                f"{first.message} (and {more} more problem{'s' if more > 1 else ''})",
                file=first.file, module_id=first.module_id, path=first.path,
            )
        raise first
