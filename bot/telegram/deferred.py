"""Bot API calls that wait for the update's transaction to commit.

A handler answers a button press (the toast) or sets someone's command menu
in the middle of its work. Made at once, such a call would be repeated if the
update were handled again after a crash, and would leave the database
transaction open during a network call. While an update is handled they are
kept aside and made once its changes are committed; they are dropped if the
handler fails (the person gets the apology instead). Both are best-effort:
transient failures are retried a few times, then logged.
"""

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import AnswerCallbackQuery, SetMyCommands, TelegramMethod
from aiogram.methods.base import Response, TelegramType

log = logging.getLogger("dieuphoi.deferred")

DEFERRED = (AnswerCallbackQuery, SetMyCommands)
ATTEMPTS = 4
MAX_RETRY_AFTER = 5.0

_pending: ContextVar[list[TelegramMethod[Any]] | None] = ContextVar("dieuphoi_deferred_calls", default=None)


class DeferUntilCommit(BaseRequestMiddleware):
    """Bot session middleware: keep deferrable calls aside while an update is handled."""

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        pending = _pending.get()
        if pending is not None and isinstance(method, DEFERRED):
            pending.append(method)
            return True  # type: ignore[return-value]  # both methods answer True
        return await make_request(bot, method)


@contextmanager
def deferring() -> Iterator[list[TelegramMethod[Any]]]:
    """Collect deferrable calls made inside; the caller sends them with `send_deferred`."""
    calls: list[TelegramMethod[Any]] = []
    token = _pending.set(calls)
    try:
        yield calls
    finally:
        _pending.reset(token)


async def send_deferred(bot: Bot, calls: list[TelegramMethod[Any]]) -> None:
    for method in calls:
        await call_patiently(bot, method)


async def call_patiently(bot: Bot, method: TelegramMethod[Any]) -> bool:
    """Make a call that is worth a few retries but not worth blocking on; True if it went through."""
    name = type(method).__name__
    for attempt in range(ATTEMPTS):
        try:
            await bot(method)
            return True
        except TelegramRetryAfter as error:
            if error.retry_after > MAX_RETRY_AFTER:
                break
            await asyncio.sleep(error.retry_after)
        except (TelegramServerError, TelegramNetworkError, TimeoutError):
            await asyncio.sleep(0.2 * 2**attempt)
        except TelegramAPIError as error:  # refused: retrying would not help
            log.info("%s refused: %s", name, error.message)
            return False
    log.warning("%s not made after %s attempts", name, ATTEMPTS)
    return False
