"""Keep aiogram's parametrized response models alive.

aiogram validates every Bot API answer with `Response[<the method's return type>]`,
a pydantic generic model that pydantic caches only weakly. A garbage collection
drops it and the next call builds it again, which costs milliseconds of schema
generation per call: profiled, a third of the bot's busy time under load.
Holding one strong reference per return type keeps the cache warm.
"""

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType


class KeepResponseModels(BaseRequestMiddleware):
    """Bot session middleware: parametrize `Response` once per return type and keep it."""

    def __init__(self) -> None:
        self.kept: dict[Any, type[Response[Any]]] = {}

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self.kept:
            self.kept[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)
