"""Import aiogram with its Telegram models built when first used, not all at import.

aiogram declares its ~300 Telegram types with pydantic's `defer_build`, then
`aiogram/types/__init__.py` calls `model_rebuild()` on every one of them to resolve
their forward references, which builds them all anyway; its ~280 methods are built
as their classes are created. That is 2.5-3 CPU seconds and ~110 MB resident at
every start (aiogram issues #1513 and #1876), for a bot that uses a few dozen.

`install()` puts an import hook in front of two aiogram modules:
- while `aiogram.types` runs, the rebuild loop only makes each type's forward
  references resolvable (the names go into the type's own module, where pydantic
  looks when it builds the type later, whoever asks first);
- `aiogram.methods.base`'s `TelegramMethod` gets `defer_build`, so each method is
  built at its first call.
The models built later are the same models: `tests/unit/test_lazy_models.py` builds
every type and method both ways and compares their JSON schemas. If aiogram stops
deferring its types, the original rebuild runs and nothing is skipped.
"""

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import Any

from pydantic import BaseModel

TYPES = "aiogram.types"
METHODS_BASE = "aiogram.methods.base"


def install() -> None:
    """Adjust aiogram's import, unless it is already imported (then nothing changes)."""
    if "aiogram" in sys.modules or any(isinstance(finder, _LazyModels) for finder in sys.meta_path):
        return
    sys.meta_path.insert(0, _LazyModels())


class _LazyModels(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == TYPES:
            return self._wrapped(fullname, _with_type_builds_deferred)
        if fullname == METHODS_BASE:
            return self._wrapped(fullname, _with_method_builds_deferred)
        return None

    def _wrapped(
        self, fullname: str, adjust: Callable[[Callable[[ModuleType], None], ModuleType], None]
    ) -> importlib.machinery.ModuleSpec | None:
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        exec_module = spec.loader.exec_module
        spec.loader.exec_module = lambda module: adjust(exec_module, module)  # type: ignore[method-assign]
        return spec


def _with_type_builds_deferred(exec_module: Callable[[ModuleType], None], module: ModuleType) -> None:
    original = BaseModel.__dict__["model_rebuild"]
    build = original.__func__

    def resolvable_later(cls: type[BaseModel], *, _types_namespace: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        deferred = cls.model_config.get("defer_build") and not cls.__pydantic_complete__
        if _types_namespace is None or not deferred or kwargs.get("force"):
            # One frame deeper than pydantic expects: this wrapper.
            kwargs["_parent_namespace_depth"] = kwargs.get("_parent_namespace_depth", 2) + 1
            return build(cls, _types_namespace=_types_namespace, **kwargs)
        names = sys.modules[cls.__module__].__dict__
        for name, value in _types_namespace.items():
            names.setdefault(name, value)
        return None

    BaseModel.model_rebuild = classmethod(resolvable_later)  # type: ignore[method-assign,assignment]
    try:
        exec_module(module)
    finally:
        BaseModel.model_rebuild = original  # type: ignore[method-assign]


def _with_method_builds_deferred(exec_module: Callable[[ModuleType], None], module: ModuleType) -> None:
    exec_module(module)
    # Read by every method class as it is created, which happens after this module.
    module.TelegramMethod.model_config["defer_build"] = True
