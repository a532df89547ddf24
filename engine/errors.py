"""The engine's error types. Every error a user can meet says where it happened."""

from __future__ import annotations

from typing import Any


class ScenaristError(Exception):
    """Base of every error the engine raises on purpose."""


class BlueprintError(ScenaristError):
    """A blueprint that cannot be loaded or is structurally invalid."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        module_id: int | None = None,
        path: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.module_id = module_id
        self.path = path
        super().__init__(self.describe())

    def describe(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.module_id is not None:
            where.append(f"module {self.module_id}")
        if self.path:
            where.append(self.path)
        return f"{': '.join(where)}: {self.message}" if where else self.message


class IMLError(ScenaristError):
    """A mapping expression that cannot be parsed or evaluated.

    `column` is 1-based inside the field's text; `module_id` and `field` are filled in by
    whoever compiles a module's mapper (see `IMLError.at`).
    """

    def __init__(
        self,
        message: str,
        *,
        column: int | None = None,
        text: str | None = None,
        module_id: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.column = column
        self.text = text
        self.module_id = module_id
        self.field = field
        super().__init__(self.describe())

    def at(self, module_id: int | None, field: str | None) -> IMLError:
        """Return this error located in a module's field (keeps an existing location)."""
        if self.module_id is None:
            self.module_id = module_id
        if self.field is None:
            self.field = field
        self.args = (self.describe(),)
        return self

    def within(self, key: str | int) -> IMLError:
        """Prefix the field path with the enclosing mapper key (or 1-based list position)."""
        step = f"[{key}]" if isinstance(key, int) else str(key)
        if self.field is None:
            self.field = step
        else:
            self.field = (
                f"{step}{self.field}" if self.field.startswith("[") else f"{step}.{self.field}"
            )
        self.args = (self.describe(),)
        return self

    def describe(self) -> str:
        where = []
        if self.module_id is not None:
            where.append(f"module {self.module_id}")
        if self.field:
            where.append(f"field {self.field}")
        if self.column is not None:
            where.append(f"column {self.column}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message

    def __str__(self) -> str:
        return self.describe()


class ModuleError(ScenaristError):
    """A module failed while running. `name` is Make's error class (RuntimeError,
    DataError, ConnectionError, RateLimitError, ...), which decides retries later."""

    def __init__(self, message: str, *, name: str = "RuntimeError", detail: Any = None) -> None:
        self.message = message
        self.name = name
        self.detail = detail
        super().__init__(message)

    def to_bundle(self) -> dict[str, Any]:
        """The `{{N.error}}` collection an error-handler route sees."""
        out: dict[str, Any] = {"name": self.name, "message": self.message, "type": self.name}
        if self.detail is not None:
            out["detail"] = self.detail
        return out
