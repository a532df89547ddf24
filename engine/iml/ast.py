"""The IML syntax tree. Every node knows where it came from: `pos`/`end` are 0-based
offsets in the field's whole text (an IMLError column is `pos + 1`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Node:
    pos: int
    end: int


@dataclass(slots=True)
class Literal(Node):
    """A number, a quoted string, or an argument taken as literal text (`raw`)."""

    value: Any
    raw: bool = False


@dataclass(slots=True)
class Keyword(Node):
    name: str


@dataclass(slots=True)
class Word(Node):
    """A bare word that is neither a keyword nor a known root (`title`, `foo.bar`). As a
    function argument Make reads the whole argument as text; elsewhere it is read as a
    reference to a root of that name (`ref`), which is null unless the scope has one."""

    name: str
    ref: Ref | None = None


@dataclass(slots=True)
class Key:
    name: str


@dataclass(slots=True)
class Index:
    """`[expr]` (1-based, negative from the end) or `[]` (first element) when expr is None."""

    expr: Node | None


@dataclass(slots=True)
class Ref(Node):
    """`1.a.b`, `` `1` ``, `var.scenario.name`: a root followed by keys and indexes."""

    root: int | str
    steps: list[Key | Index] = field(default_factory=list)


@dataclass(slots=True)
class Access(Node):
    """Keys and indexes applied to a computed value, e.g. `(expr)[1]`."""

    base: Node
    steps: list[Key | Index]


@dataclass(slots=True)
class Call(Node):
    name: str
    args: list[Node | None]  # None: an empty argument, e.g. `if(a; b; )`


@dataclass(slots=True)
class Unary(Node):
    op: str  # "-" or "+"
    operand: Node


@dataclass(slots=True)
class Chain(Node):
    """A left-to-right run of one precedence level: `a + b - c`, `a & b & c`."""

    first: Node
    rest: list[tuple[str, Node]]


@dataclass(slots=True)
class TextSegment(Node):
    text: str


@dataclass(slots=True)
class ExprSegment(Node):
    """A `{{...}}` segment; pos/end cover the braces, `expr` the inside."""

    expr: Node


Segment = TextSegment | ExprSegment
