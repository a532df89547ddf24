"""Make's custom-app components as data (pydantic), the way the app's code files hold them.

Field arrays (parameters, expect, interface) are Make's Forman fields; communication specs
stay the JSON they are (IML can sit anywhere in them) and are read by
engine.apps.communication. `Problem` is what loading and checking report: file, key path,
line and message.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MakeModuleType = Literal[
    "trigger", "action", "search", "instant_trigger", "responder", "universal"
]
# Make's numeric module types (VS module-types-naming.ts) and their names.
MODULE_TYPE_IDS: dict[int, MakeModuleType] = {
    1: "trigger", 4: "action", 9: "search", 10: "instant_trigger", 11: "responder",
    12: "universal",
}


class Problem(BaseModel):
    """One thing wrong with (or unsupported in) an app, located as precisely as known."""

    model_config = ConfigDict(frozen=True)

    app: str
    message: str
    file: str | None = None  # relative to the app folder
    key: str | None = None  # dotted key path inside the file
    line: int | None = None
    severity: Literal["error", "unsupported", "warning"] = "error"

    def describe(self) -> str:
        where = self.file or self.app
        if self.line is not None:
            where += f":{self.line}"
        if self.key:
            where += f" ({self.key})"
        return f"{where}: {self.message}"


class MakeField(BaseModel):
    """One Forman field: a parameter, a mappable field or an output field."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    name: str = ""
    type: str = "text"
    label: str | None = None
    help: str | None = None
    required: bool = False
    default: Any = None
    advanced: bool = False
    multiple: bool = False
    mappable: bool = True
    editable: bool | None = None
    # collection: field array; array: an item field or a field array
    spec: list[MakeField] | MakeField | None = None
    # select: [{label, value, nested?}], grouped [{label, options}], "rpc://Name", or
    # {store, nested, ...}
    options: Any = None
    nested: Any = None
    validate_: Any = Field(default=None, alias="validate")


class Base(BaseModel):
    """The app's `base`: what every module, RPC and webhook request inherits."""

    model_config = ConfigDict(extra="allow")

    baseUrl: str | None = None
    headers: dict[str, Any] = Field(default_factory=dict)
    qs: dict[str, Any] = Field(default_factory=dict)
    body: Any = None
    timeout: Any = None
    response: dict[str, Any] = Field(default_factory=dict)
    log: dict[str, Any] = Field(default_factory=dict)
    # Scenarist's extension: the service's other roots (its other API hosts), which a
    # connection's base URL override moves as it moves `baseUrl`.
    serviceUrls: list[str] = Field(default_factory=list)


Communication = dict[str, Any] | list[dict[str, Any]]


class ConnectionDecl(BaseModel):
    name: str
    label: str = ""
    type: str = "basic"  # basic, oauth (oauth2), ...
    parameters: list[MakeField] = Field(default_factory=list)
    communication: Any = None
    common: dict[str, Any] = Field(default_factory=dict)


class WebhookDecl(BaseModel):
    name: str
    label: str = ""
    type: str = "web"  # web, web-shared
    connection: str | None = None
    parameters: list[MakeField] = Field(default_factory=list)
    communication: Any = None  # how an incoming request becomes items
    attach: Any = None
    detach: Any = None
    update: Any = None


class ModuleDecl(BaseModel):
    name: str
    label: str = ""
    description: str = ""
    type: MakeModuleType = "action"
    crud: str | None = None
    connection: str | None = None
    alt_connection: str | None = None
    webhook: str | None = None
    communication: Any = None
    epoch: Any = None
    parameters: list[MakeField] = Field(default_factory=list)  # static
    expect: list[MakeField] | str = Field(default_factory=list)  # mappable or "rpc://"
    interface: list[MakeField] | str = Field(default_factory=list)  # or "rpc://"
    samples: Any = None
    scope: Any = None
    # Scenarist's extension: a module taking part in the cycle's transaction. `commit` and
    # `rollback` are request specs run when the cycle commits or rolls back, with the
    # operation's parameters and output (`{{output.id}}`); `acid` declares it ACID.
    acid: bool = False
    commit: Any = None
    rollback: Any = None


class RpcDecl(BaseModel):
    name: str
    label: str = ""
    connection: str | None = None
    communication: Any = None
    parameters: list[MakeField] = Field(default_factory=list)


class Group(BaseModel):
    label: str
    modules: list[str] = Field(default_factory=list)


class App(BaseModel):
    """One custom app, loaded."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    name: str  # the app's id in module ids: `<name>:<module>`
    aliases: list[str] = Field(default_factory=list)  # other app ids (other origins)
    label: str = ""
    folder: Path | None = None
    base: Base = Field(default_factory=Base)
    common: dict[str, Any] = Field(default_factory=dict)
    readme: str = ""
    groups: list[Group] = Field(default_factory=list)
    connections: dict[str, ConnectionDecl] = Field(default_factory=dict)
    webhooks: dict[str, WebhookDecl] = Field(default_factory=dict)
    modules: dict[str, ModuleDecl] = Field(default_factory=dict)
    rpcs: dict[str, RpcDecl] = Field(default_factory=dict)
    functions: dict[str, str] = Field(default_factory=dict)  # name -> JavaScript source
    # name -> Python callable: functions written in Python, which only trusted apps (shipped
    # with Scenarist or installed as packages) may have, so they need no Node.js.
    python_functions: dict[str, Callable[..., Any]] = Field(default_factory=dict)
    problems: list[Problem] = Field(default_factory=list)
    source: str = "folder"  # shipped, workspace, entry point, folder
