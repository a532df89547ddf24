"""Declarations of apps and modules, as data.

Every module is a `ModuleSpec`: its Make id (`app:Name`), kind, fields in Make's field types,
its output interface and the implementation the executor calls. The desktop app builds its
settings forms from the same declarations.

An implementation is a function `impl(call: ModuleCall) -> list[bundle]` (sync or async).
It raises `engine.errors.ModuleError` on failure. Aggregators implement `Aggregator`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from engine.context import RunServices
    from engine.iml.scope import Scope

ModuleKind = Literal[
    "trigger",  # polling trigger: first module, fetches bundles
    "instant_trigger",  # webhook: first module, fed by a request
    "action",
    "search",  # returns 0..N bundles
    "transformer",  # pure function of its input (tools, JSON, text)
    "iterator",  # splits one bundle into many
    "aggregator",  # closes the loop opened by its feeder
    "router",
    "responder",  # answers the webhook
    "directive",  # error-handler directive (Ignore, Resume, ...)
    "flow",  # If-Else, Merge, placeholders: handled by the executor itself
]

FieldType = Literal[
    "text",
    "number",
    "integer",
    "uinteger",
    "boolean",
    "date",
    "time",
    "select",
    "array",
    "collection",
    "buffer",
    "any",
    "url",
    "email",
    "json",
    "filter",
    "hidden",
    "datastore",
    "udt",
    "account",
    "keychain",
    "hook",
    "timezone",
    "path",
    "module",
    "uinteger",
]


class FieldSpec(BaseModel):
    """One parameter, mapper field or output field, in Make's field vocabulary."""

    model_config = ConfigDict(extra="forbid")

    name: str
    type: FieldType = "text"
    label: str | None = None
    required: bool = False
    default: Any = None
    help: str | None = None
    options: list[Any] | None = None  # select: values or {"label","value"}
    # select: the app RPC that answers its options at edit time (`rpc://listTags?x=1`).
    rpc: str | None = None
    spec: list[FieldSpec] | None = None  # nested fields of a collection or array item
    advanced: bool = False
    # Shown only while a sibling field has one of these values, e.g. the API key keychain
    # when {"authenticationType": ["apiKey"]} (the form keeps hidden values as they are).
    shown_when: dict[str, list[Any]] | None = None
    # A credential: True for a field whose value is one (password, token, API key); "named"
    # for name/value items (headers, query strings) whose credential-like names make their
    # values secrets. Secrets are redacted from every store and message (engine.sensitive).
    sensitive: bool | Literal["named"] = False


def _none(_key: Any) -> Any:
    return None


def _no_options() -> Mapping[str, Any]:
    return {}


@dataclass(frozen=True)
class OutputContext:
    """What a module's outputs may depend on besides its own settings, for declarations that
    compute them (`ModuleSpec.outputs`). Every lookup is lazy: nothing is read unless a
    declaration asks.

    - `structure(id)`: a data structure's fields (Make's field dicts), None when unknown;
    - `store_structure(id)`: the fields of a data store's structure, None when unknown;
    - `hook()`: the options of the scenario's webhook (headers, method, stringify,
      data_structure: engine.runtime's hook options), {} when it has none yet;
    - `exported`: the interface Make exported with the module (`metadata.interface`), what
      Make last determined from real data;
    - `fields_at(reference)`: the fields an IML reference such as `{{1.items}}` points at
      (an array's item fields), None when unknown.
    """

    structure: Callable[[Any], list[dict[str, Any]] | None] = _none
    store_structure: Callable[[Any], list[dict[str, Any]] | None] = _none
    hook: Callable[[], Mapping[str, Any]] = _no_options
    exported: list[dict[str, Any]] | None = None
    fields_at: Callable[[str], list[FieldSpec] | None] = _none


OutputsOf = Callable[[dict[str, Any], dict[str, Any], OutputContext], list[FieldSpec]]
_FIELD_TYPES = frozenset(get_args(FieldType))


def field_specs(raw: Any) -> list[FieldSpec]:
    """Make's field dicts (a data structure, an exported interface) as FieldSpecs; a type we
    don't declare is "any", keys we don't know are dropped."""
    specs: list[FieldSpec] = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, FieldSpec):
            specs.append(item)
            continue
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        kind: Any = item.get("type") if item.get("type") in _FIELD_TYPES else "any"
        inner = item.get("spec")
        if isinstance(inner, dict):  # an array of a declared item type
            inner = inner.get("spec") if inner.get("type") == "collection" else None
        label = item.get("label")
        specs.append(FieldSpec(
            name=item["name"], type=kind, label=label if isinstance(label, str) else None,
            spec=field_specs(inner) if isinstance(inner, list) else None,
        ))
    return specs


class ModuleCall:
    """What an implementation receives for one operation."""

    __slots__ = ("module_id", "parameters", "mapper", "run", "scope")

    def __init__(
        self,
        module_id: int,
        parameters: dict[str, Any],
        mapper: dict[str, Any],
        run: RunServices,
        scope: Scope,
    ) -> None:
        self.module_id = module_id
        self.parameters = parameters
        self.mapper = mapper
        self.run = run
        self.scope = scope


class Aggregator(Protocol):
    """An aggregator's life for one loop: start, add each bundle, finish into bundles."""

    def start(self, call: ModuleCall) -> Any: ...

    def add(self, state: Any, call: ModuleCall) -> None: ...

    def finish(self, state: Any, call: ModuleCall) -> list[dict[str, Any]]: ...


Implementation = Callable[[ModuleCall], Any]


class ModuleSpec(BaseModel):
    """The declaration of one module."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    id: str  # "util:ComposeTransformer"
    label: str
    kind: ModuleKind
    description: str = ""
    parameters: list[FieldSpec] = Field(default_factory=list)
    mapper: list[FieldSpec] = Field(default_factory=list)
    interface: list[FieldSpec] = Field(default_factory=list)
    # The interface given the module's settings, for modules whose outputs depend on them
    # (a variable's name, a data structure): `outputs(parameters, mapper, context)`.
    outputs: Any = Field(default=None, exclude=True)  # OutputsOf | None
    connection: str | None = None  # kind of connection/keychain it uses, if any
    # another connection type it accepts (Make's altConnection: Airtable's personal access
    # token beside its OAuth connection)
    alt_connection: str | None = None
    transactional: bool = False
    # Other ids an export may carry for this module (an id we could not verify, a renamed
    # module): the registry resolves them to this declaration; palettes list it once.
    aliases: list[str] = Field(default_factory=list)
    implementation: Any = Field(default=None, exclude=True)  # Implementation or Aggregator

    @property
    def app(self) -> str:
        return self.id.split(":", 1)[0]

    def output_fields(self, parameters: dict[str, Any] | None, mapper: dict[str, Any] | None,
                      context: OutputContext | None = None) -> list[FieldSpec]:
        """What the module outputs with these settings, known before any run."""
        if self.outputs is None:
            return list(self.interface)
        computed: list[FieldSpec] = self.outputs(
            parameters if isinstance(parameters, dict) else {},
            mapper if isinstance(mapper, dict) else {}, context or OutputContext())
        return computed

    def default_settings(self) -> dict[str, dict[str, Any]]:
        """The values a new module starts with, as Make fills them: every field's default."""
        return {
            section: {f.name: f.default for f in fields if f.default is not None}
            for section, fields in (("parameters", self.parameters), ("mapper", self.mapper))
        }


class ModuleTable:
    """The modules one file declares; the registry collects tables."""

    def __init__(self) -> None:
        self._specs: list[ModuleSpec] = []

    def __iter__(self) -> Iterator[ModuleSpec]:
        return iter(self._specs)

    def add(self, spec: ModuleSpec) -> ModuleSpec:
        self._specs.append(spec)
        return spec

    def add_declaration(
        self, module_id: str, *, label: str, kind: ModuleKind, **fields: Any
    ) -> None:
        """Declare a module the executor walks itself (no implementation)."""
        self.add(ModuleSpec(id=module_id, label=label, kind=kind, **fields))

    def module(
        self, module_id: str, *, label: str, kind: ModuleKind, **fields: Any
    ) -> Callable[[Any], Any]:
        """Decorator: declare `module_id` implemented by the decorated function or class.

        A decorated class is instantiated once (aggregators keep no state on self).
        """

        def wrap(impl: Any) -> Any:
            target = impl() if isinstance(impl, type) else impl
            self.add(
                ModuleSpec(id=module_id, label=label, kind=kind, implementation=target, **fields)
            )
            return impl

        return wrap
