"""Command menus: the "/" list each person sees, by role and language.

Citizens get the default scope (Vietnamese, plus an English list for English
Telegram clients); each linked member gets a chat-scoped list in their own
language with exactly the commands their role allows.
"""

import asyncio
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.commands import commands_for
from bot.i18n import SUPPORTED, use_locale
from bot.permissions import Audience

log = logging.getLogger("dieuphoi.menus")
ATTEMPTS = 5


class Menus:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def set_defaults(self, default_locale: str) -> None:
        for locale in SUPPORTED:
            language = None if locale == default_locale else locale
            await self._set(Audience.CITIZEN, locale, BotCommandScopeDefault(), language)

    async def set_for(self, telegram_id: int, audience: Audience, locale: str) -> None:
        await self._set(audience, locale, BotCommandScopeChat(chat_id=telegram_id), None)

    async def _set(self, audience: Audience, locale: str, scope: object, language: str | None) -> None:
        with use_locale(locale):
            commands = [
                BotCommand(command=spec.shown(locale), description=spec.describe()) for spec in commands_for(audience)
            ]
        for attempt in range(ATTEMPTS):
            try:
                await self.bot.set_my_commands(commands, scope=scope, language_code=language)  # type: ignore[arg-type]
                return
            except TelegramRetryAfter as error:
                await asyncio.sleep(error.retry_after)
            except (TelegramServerError, TelegramNetworkError):
                await asyncio.sleep(0.5 * 2**attempt)
            except TelegramBadRequest as error:  # e.g. a chat that never wrote to the bot
                log.info("menu for %s not set: %s", getattr(scope, "chat_id", "default"), error.message)
                return
        log.warning("menu for %s not set after %s attempts", getattr(scope, "chat_id", "default"), ATTEMPTS)
