"""aiogram's Response[...] models survive garbage collection once a call has used them."""

import gc
import weakref
from typing import Any

from aiogram.methods import SendMessage
from aiogram.methods.base import Response
from pydantic._internal import _generics

from bot.telegram.responses import KeepResponseModels


async def test_a_response_model_is_built_once_and_kept_across_collections(monkeypatch) -> None:
    keep = KeepResponseModels()
    built: list[str] = []
    real = _generics.create_generic_submodel

    def counting(name: str, *args: Any, **kwargs: Any) -> Any:
        built.append(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(_generics, "create_generic_submodel", counting)

    async def make_request(bot: Any, method: Any) -> Any:
        return Response[method.__returning__]  # what aiogram's check_response does for every answer

    method = SendMessage(chat_id=1, text="x")
    first = weakref.ref(await keep(make_request, None, method))  # type: ignore[arg-type]
    for _ in range(3):
        gc.collect()
        assert await keep(make_request, None, method) is first()  # type: ignore[arg-type]
    assert len(built) <= 1
