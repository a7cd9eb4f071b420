"""What every `rekap` command needs from the database layer, loaded on first use.

`rekap --help` and each command's start must not pay for SQLAlchemy, SQLModel, FastAPI or the
models (about a second on a loaded machine): command modules import those inside the command
functions, and use this session_scope, which imports app.db only when a command opens a
session; and typer's pydantic-based coercion of a parameter's value is built only when a value
needs it. tests/test_startup.py holds the line."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlmodel import Session

    from app.config import Settings


@contextmanager
def session_scope() -> Iterator["Session"]:
    """app.db.session_scope() on the configured database: one transaction, committed at the end."""
    from app.db import session_scope as scope

    with scope() as session:
        yield session


def get_settings() -> "Settings":
    """app.config.get_settings(): the settings (pydantic-settings loads on the first call)."""
    from app.config import get_settings as settings

    return settings()


def defer_typer_coercion() -> None:
    """Typer 0.29 builds a pydantic TypeAdapter for every parameter it processes, even one left
    at None, whose value the adapter never sees (RuntimeParam.coerce answers None first): so
    `rekap db --help` loaded pydantic for the root's unset --help and --install-completion
    (0.1-0.2 s of CPU). Each parameter now gets a stand-in that builds the real coercion on the
    first value it must convert; typer's own None handling is unchanged. A typer whose internals
    moved keeps its own eager coercion (slower help, tests/test_startup.py says so), never a
    broken `rekap`."""
    try:
        from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
        from typer.core import _TyperParameter
    except ImportError:
        return
    eager = getattr(_TyperParameter, "get_runtime_param", None)
    if not callable(eager) or _field_names(RuntimeParam) != ("parameter_info", "annotation"):
        return

    @dataclass(frozen=True)
    class Deferred(RuntimeParam):
        descriptor: TypeDescriptor

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            real = build_runtime_param(self.descriptor)
            param._runtime_param = real
            return real._coerce_value(value, param=param, ctx=ctx)

    def runtime_param(self: _TyperParameter) -> RuntimeParam:
        if self._runtime_param is None:
            try:
                d = self.type_descriptor
                self._runtime_param = Deferred(d.parameter_info, d.annotation, d)
            except (AttributeError, TypeError):  # internals moved: typer's own, eager way
                return eager(self)  # type: ignore[no-any-return]
        return self._runtime_param

    _TyperParameter.get_runtime_param = runtime_param  # type: ignore[method-assign]


def _field_names(cls: type) -> tuple[str, ...]:
    import dataclasses

    return tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else ()
