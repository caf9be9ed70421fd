"""Command-line options generated from a dataclass: the dataclass declares each option once (type, default,
and help in the field's `metadata={"help": ...}`), and the commands take them through `dataclass_options`.

    @app.command()
    @dataclass_options("smd_opts", SMDOptions, flags=SMD_FLAGS)
    def describe(paths: ..., smd_opts: SMDOptions) -> None: ...

The command then has one typer option per field (`--top-k`, `--delta`, `--trajectory/--no-trajectory`, …),
with the field's default and help, and receives the constructed dataclass. A construction error of the
MotionSMDError family (a value out of range) is printed as one line (exit status 2).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, TypeVar

import typer

from motion_smd.errors import ConfigError, MotionSMDError

F = TypeVar("F", bound=Callable[..., Any])

_SCALARS = (bool, int, float, str)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one clear error line to stderr (no traceback) and return the Exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def key_values(items: Iterable[str], flag: str) -> dict[str, Any]:
    """{"KEY": value} from "KEY=VALUE" strings; VALUE is read as JSON (numbers, true/false, lists), else kept
    as a string.

    Raises:
        ConfigError: an item without "=".
    """
    import json

    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{flag} {item!r}: expected KEY=VALUE.")
        try:
            out[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            out[key.strip()] = raw
    return out


def _cli_type(tp: Any) -> Any:
    """The type typer parses for a field type: scalars and `X | None` as they are, Literal[str, …] as str.

    Returns None for a type the command line cannot carry (dicts, lists, …).
    """
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return str
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            inner = _cli_type(args[0])
            return None if inner is None else inner | None
        return None
    return tp if tp in _SCALARS else None


def field_help(f: dataclasses.Field[Any]) -> str:
    """The help text of a dataclass field (its `metadata["help"]`, "" when absent)."""
    return str(f.metadata.get("help", ""))


def field_default(cls: type, name: str) -> Any:
    """The declared default of field `name` of dataclass `cls`.

    Raises:
        KeyError: no such field, or the field has no plain default.
    """
    for f in dataclasses.fields(cls):
        if f.name == name and f.default is not dataclasses.MISSING:
            return f.default
    raise KeyError(f"{cls.__name__}.{name} has no default")


def option_parameters(
    cls: type,
    prefix: str,
    flags: Mapping[str, str] | None = None,
    exclude: Iterable[str] = (),
    defaults: Mapping[str, Any] | None = None,
) -> dict[str, inspect.Parameter]:
    """One keyword parameter with a typer option per field of `cls` that the command line can carry.

    Args:
        cls: the dataclass.
        prefix: prefix of the generated Python parameter names (`<prefix>__<field>`).
        flags: field → option declaration (e.g. {"delta_deg": "--delta"}); default "--field-name", and
            "--x/--no-x" for booleans.
        exclude: fields left out (they keep their dataclass default unless the command sets them).
        defaults: field → command-line default overriding the field's (for fields without one, e.g. paths).

    Returns:
        parameter name → inspect.Parameter, in field order.
    """
    hints = typing.get_type_hints(cls)
    flags = flags or {}
    defaults = defaults or {}
    skip = set(exclude)
    out: dict[str, inspect.Parameter] = {}
    for f in dataclasses.fields(cls):
        tp = _cli_type(hints[f.name])
        if f.name in skip or not f.init or tp is None:
            continue
        if f.name in defaults:
            default = defaults[f.name]
        elif f.default is not dataclasses.MISSING:
            default = f.default
        else:
            continue  # a required field: the command supplies it itself
        flag = f"--{f.name.replace('_', '-')}"
        decl = flags.get(f.name) or (f"{flag}/--no-{flag[2:]}" if tp is bool else flag)
        name = f"{prefix}__{f.name}"
        annotation = Annotated[tp, typer.Option(decl, help=field_help(f), show_default=True)]  # type: ignore[valid-type]
        out[name] = inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
    return out


def dataclass_options(
    param: str,
    cls: type,
    flags: Mapping[str, str] | None = None,
    exclude: Iterable[str] = (),
    defaults: Mapping[str, Any] | None = None,
    fixed: Mapping[str, Any] | None = None,
) -> Callable[[F], F]:
    """Decorator: replace the command parameter `param` (a `cls` instance) by one typer option per field.

    Args:
        param: name of the command's parameter that receives the dataclass.
        cls: the dataclass; defaults and help come from its fields (see `option_parameters`).
        flags, exclude, defaults: see `option_parameters`.
        fixed: field values set by the command itself (not options), e.g. required fields.

    The construction runs before the command; a MotionSMDError it raises (a value out of range) is printed
    as one line and exits with status 2.
    """

    def decorate(func: F) -> F:
        sig = inspect.signature(func, eval_str=True)
        generated = option_parameters(cls, param, flags, exclude, defaults)
        own = [p for p in sig.parameters.values() if p.name != param]
        params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own] + list(generated.values())

        @functools.wraps(func)
        def wrapper(**kwargs: Any) -> Any:
            values = {name.split("__", 1)[1]: kwargs.pop(name) for name in generated}
            try:
                obj = cls(**values, **(fixed or {}))
            except MotionSMDError as exc:
                raise fail(str(exc)) from None
            return func(**kwargs, **{param: obj})

        del wrapper.__wrapped__  # typer must see the generated signature, not the original
        wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params if p.annotation is not p.empty}
        return typing.cast(F, wrapper)

    return decorate
