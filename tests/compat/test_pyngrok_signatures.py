"""Every public function and class constructor of pyngrok 9.1.0's modules exists in ours with the same parameter
names, kinds and defaults (annotations are not compared). Deliberate differences are listed explicitly below."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

pyngrok = pytest.importorskip("pyngrok", reason="pyngrok 9.1.0 is a dev dependency (the compatibility reference)")

MODULES = ["ngrok", "conf", "process", "agent", "installer", "exception", "log", "aio"]

Shape = list[tuple[str, Any, Any]]

#: (module, name) -> parameters we add on purpose. Each must come after all of pyngrok's and have a default, so every
#: call that works with pyngrok works with us.
DELIBERATE_EXTRA_PARAMETERS: dict[tuple[str, str], list[str]] = {
    # edge="local" runs the agent against typed-ngrok's offline loopback edge.
    ("conf", "PyngrokConfig"): ["edge"],
    # a keyword-only cap on how many captured requests the agent returns.
    ("agent", "get_requests"): ["limit"],
    # keyword-only: the secrets to mask in the command's output and errors.
    ("process", "capture_run_process"): ["secrets"],
}


def _shape(obj: Callable[..., Any]) -> Shape | None:
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):  # builtin constructors (Exception subclasses without __init__)
        return None
    return [(p.name, p.kind, p.default) for p in signature.parameters.values()]


def _public_callables(module: ModuleType) -> dict[str, Any]:
    return {
        name: obj
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and getattr(obj, "__module__", None) == module.__name__
    }


def _ours(module: str) -> ModuleType:
    try:
        return importlib.import_module(f"typed_ngrok.{module}")
    except ModuleNotFoundError as exc:
        if exc.name == f"typed_ngrok.{module}":
            pytest.skip(f"typed_ngrok.{module} does not exist yet")
        raise


@pytest.mark.parametrize("module", MODULES)
def test_public_surface_matches_pyngrok(module: str) -> None:
    theirs = importlib.import_module(f"pyngrok.{module}")
    ours = _ours(module)
    problems: list[str] = []
    for name, their_obj in sorted(_public_callables(theirs).items()):
        our_obj = getattr(ours, name, None)
        if our_obj is None:
            problems.append(f"{module}.{name} is missing")
            continue
        if inspect.isclass(their_obj) != inspect.isclass(our_obj):
            problems.append(f"{module}.{name}: class/function mismatch")
            continue
        expected, actual = _shape(their_obj), _shape(our_obj)
        extras = DELIBERATE_EXTRA_PARAMETERS.get((module, name), [])
        if expected is not None and actual is not None and extras:
            tail = actual[len(expected) :]
            bad_tail = [p for p in tail if p[0] not in extras or p[2] is inspect.Parameter.empty]
            if bad_tail or [p[0] for p in tail] != extras:
                problems.append(f"{module}.{name}: unexpected extra parameters {tail}")
            actual = actual[: len(expected)]
        if expected != actual:
            problems.append(f"{module}.{name}: {actual} != pyngrok's {expected}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("module", MODULES)
def test_public_modules_define_all(module: str) -> None:
    ours = _ours(module)
    exported = getattr(ours, "__all__", None)
    assert exported is not None, f"typed_ngrok.{module} has no __all__"
    for name in exported:
        assert hasattr(ours, name), f"typed_ngrok.{module}.__all__ lists missing {name}"
    theirs = importlib.import_module(f"pyngrok.{module}")
    missing = sorted(set(_public_callables(theirs)) - set(exported))
    assert not missing, f"typed_ngrok.{module}.__all__ lacks pyngrok names {missing}"


def test_deliberate_extras_are_keyword_compatible() -> None:
    from typed_ngrok import agent, conf

    limit = inspect.signature(agent.get_requests).parameters["limit"]
    assert limit.kind is inspect.Parameter.KEYWORD_ONLY
    assert limit.default is None
    edge = inspect.signature(conf.PyngrokConfig).parameters["edge"]
    assert edge.default is None


def test_exception_classes_are_real_classes_not_aliases() -> None:
    from pyngrok import exception as theirs

    from typed_ngrok import exception as ours

    for name in _public_callables(theirs):
        cls = getattr(ours, name)
        assert cls.__module__ == "typed_ngrok.exception"
        assert cls.__name__ == name
