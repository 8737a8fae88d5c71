"""Long polling that handles a batch of updates before confirming it, chats side by side.

aiogram either awaits each update in turn (one chat's slow handler holds up
everyone) or runs each as a task and fetches the next batch at once, which
confirms updates to Telegram before they are handled: a crash would lose
them. Here each getUpdates batch is split by chat (and person: see
`by_chat`); the groups are handled concurrently, each group's updates in
order, and the next getUpdates (whose offset confirms the batch) is sent only
when the whole batch is done.
"""

import asyncio
import logging
from collections import defaultdict
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig

log = logging.getLogger("dieuphoi.polling")

DEFAULT_BACKOFF = BackoffConfig(min_delay=1.0, max_delay=5.0, factor=1.3, jitter=0.1)


def keys(update: Update) -> list[str]:
    """What an update touches that another one handled at the same time must not: its chat, its person."""
    context = UserContextMiddleware.resolve_event_context(update)
    found = []
    if context.chat is not None:
        found.append(f"chat:{context.chat.id}")
    if context.user is not None:
        found.append(f"user:{context.user.id}")
    return found or [f"update:{update.update_id}"]


def by_chat(updates: list[Update]) -> list[list[Update]]:
    """Updates grouped so that two sharing a chat or a person fall in one group, each in arrival order.

    A person writing in a group and in private, or a group upgraded to a supergroup (its
    last update in the old chat, the first in the new), touch the same rows: handled one
    after the other, they never race.
    """
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for update in updates:
        first, *others = keys(update)
        for other in others:
            parent[root(other)] = root(first)
    groups: dict[str, list[Update]] = defaultdict(list)
    for update in updates:
        groups[root(keys(update)[0])].append(update)
    return list(groups.values())


class BatchDispatcher(Dispatcher):
    """A Dispatcher whose polling handles each batch by chat (see the module's docstring).

    `chats_at_once` bounds how many chats are handled together; 1 handles the
    batch strictly in order (SQLite: one writer at a time gains nothing from more).
    """

    def __init__(self, *args: Any, chats_at_once: int = 1, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chats_at_once = max(1, chats_at_once)

    async def _polling(  # aiogram's hook for one bot's polling loop
        self,
        bot: Bot,
        polling_timeout: int = 30,
        handle_as_tasks: bool = True,  # ignored: a batch is always handled before it is confirmed
        backoff_config: BackoffConfig = DEFAULT_BACKOFF,
        allowed_updates: list[str] | None = None,
        tasks_concurrency_limit: int | None = None,  # aiogram's option for handle_as_tasks; unused
        **kwargs: Any,
    ) -> None:
        await bot.me()
        backoff = Backoff(config=backoff_config)
        get_updates = GetUpdates(timeout=polling_timeout, allowed_updates=allowed_updates)
        request_timeout = int((bot.session.timeout or 0) + polling_timeout)
        while True:
            try:
                updates = await bot(get_updates, request_timeout=request_timeout)
            except Exception as error:  # noqa: BLE001  Telegram unreachable: keep polling
                log.error("failed to fetch updates (%s: %s); retrying in %.1fs",
                          type(error).__name__, error, backoff.next_delay)
                await backoff.asleep()
                continue
            backoff.reset()
            if updates:
                await self.handle_batch(bot, updates, **kwargs)
                get_updates.offset = max(update.update_id for update in updates) + 1

    async def handle_batch(self, bot: Bot, updates: list[Update], **kwargs: Any) -> None:
        slots = asyncio.Semaphore(self.chats_at_once)

        async def handle_in_order(group: list[Update]) -> None:
            async with slots:
                for update in group:
                    await self._process_update(bot=bot, update=update, **kwargs)

        await asyncio.gather(*(handle_in_order(group) for group in by_chat(updates)))
