"""Declarations of apps and modules, as data.

Every module is a `ModuleSpec`: its Make id (`app:Name`), kind, fields in Make's field types,
its output interface and the implementation the executor calls. The desktop app builds its
settings forms from the same declarations.

An implementation is a function `impl(call: ModuleCall) -> list[bundle]` (sync or async).
It raises `engine.errors.ModuleError` on failure. Aggregators implement `Aggregator`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal, Protocol

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
    connection: str | None = None  # kind of connection/keychain it uses, if any
    transactional: bool = False
    # Other ids an export may carry for this module (an id we could not verify, a renamed
    # module): the registry resolves them to this declaration; palettes list it once.
    aliases: list[str] = Field(default_factory=list)
    implementation: Any = Field(default=None, exclude=True)  # Implementation or Aggregator

    @property
    def app(self) -> str:
        return self.id.split(":", 1)[0]


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
