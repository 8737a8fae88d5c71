"""Filters shared by the routers."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.commands import CommandSpec
from bot.people import Actor
from bot.secondment.prompts import answers_ours
from bot.storage import Storage


class HasId(Protocol):
    id: int


# What a guided flow is waiting for from this person now: (session, telegram_id, now) -> a row or None.
Listening = Callable[[AsyncSession, int, datetime], Awaitable[HasId | None]]
AnswerFilter = Callable[[Message, Actor, Storage, Clock], Awaitable[bool | dict[str, Any]]]


def command(spec: CommandSpec) -> Command:
    """Both the Vietnamese name and the English alias of a command."""
    return Command(*spec.names, ignore_case=True)


async def plain_text(message: Message, storage: Storage, ref_prefix: str) -> bool:
    """A message a flow may take: text, not a command, answering one of our questions (bot.secondment.prompts)."""
    if not message.text or message.text.startswith("/") or message.chat.type != "private":
        return False
    replied = message.reply_to_message.message_id if message.reply_to_message else None
    async with storage.read() as session:
        return await answers_ours(session, message.chat.id, replied, ref_prefix)


def answering(ref_prefix: str, listening: Listening, key: str) -> AnswerFilter:
    """Filter: a member's plain message answers the question of ours (ref starting with
    `ref_prefix`) that `listening` finds open for them; the handler gets that row's id as `key`."""

    async def answers(message: Message, actor: Actor, storage: Storage, clock: Clock) -> bool | dict[str, Any]:
        if actor.is_citizen or not await plain_text(message, storage, ref_prefix):
            return False
        async with storage.read() as session:
            waiting = await listening(session, actor.telegram_id, clock.now())
        return {key: waiting.id} if waiting else False

    return answers
