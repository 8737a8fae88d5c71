"""The demo story: the sandbox's team at work before a visitor arrives.

`play_story` acts as the demo roster's people would, through the sandbox's control API (the
bot cannot tell it from a visitor): everyone opens the bot; the leader hands out tasks that
end up in every state; a report period is half collected; a secondment waits for the
Director; a convocation is coming. Each scene names the commands it needs and is skipped,
with a log line, while the bot does not know one of them yet.

After each action the story waits until the bot has handled the update and delivered what it
owed (the inbox row is done, the outbox drained), so the story is the same at every run.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.commands import COMMANDS
from bot.inbox import InboxStatus, InboxUpdate
from bot.sandbox.client import Message, SandboxClient, Sent
from bot.telegram.app import App

log = logging.getLogger("dieuphoi.sandbox.story")

DIRECTOR, LEADER, DEPUTY_LAN, DEPUTY_DUC = 1000, 1001, 1002, 1003
HUNG_VM, HUNG_LQ, MAI, TUAN, THAO, NAM, LINH, SON = 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011
UNIT_MANAGERS = (2001, 2002, 2003)
TEAM = (DIRECTOR, LEADER, DEPUTY_LAN, DEPUTY_DUC, HUNG_VM, HUNG_LQ, MAI, TUAN, THAO, NAM, LINH, SON, *UNIT_MANAGERS)
HANDLED = (InboxStatus.DONE, InboxStatus.PARKED)


class Stage:
    """The people of the story acting through the sandbox, each action waited for."""

    def __init__(self, client: SandboxClient, app: App, timeout: float = 10.0) -> None:
        self.client, self.app, self.timeout = client, app, timeout

    async def says(self, who: int, text: str, *, chat_id: int | None = None, reply_to: Message | None = None) -> Sent:
        sent = await self.client.say(who, text, chat_id=chat_id,
                                     reply_to=None if reply_to is None else int(reply_to["message_id"]))
        await self.handled(sent)
        return sent

    async def presses(self, who: int, message: Message, button: str) -> Sent:
        """Press the first button of the message whose text contains `button` (case-insensitive)."""
        data = button_data(message, button)
        sent = await self.client.press(who, int(message["chat_id"]), int(message["message_id"]), data=data)
        await self.handled(sent)
        return sent

    async def last_from_bot(self, chat_id: int, *, after: Sent | None = None,
                            having: Callable[[Message], bool] = lambda m: True) -> Message:
        """The bot's latest message in a chat (after an action) that satisfies `having`."""
        seq = after.seq if after is not None else 0
        found = [m for m in await self.client.bot_messages(chat_id) if m["seq"] > seq and having(m)]
        if not found:
            raise LookupError(f"the bot wrote nothing suitable in chat {chat_id}")
        return found[-1]

    async def handled(self, sent: Sent) -> None:
        """Wait until the bot has finished with this update and delivered what it owed."""
        if sent.update_id is None:
            return
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            async with self.app.storage.read() as session:
                status = await session.scalar(select(InboxUpdate.status).where(InboxUpdate.update_id == sent.update_id))
            if status in HANDLED:
                await self.app.delivery.drain(timeout=self.timeout)
                return
            await asyncio.sleep(0.02)
        raise TimeoutError(f"the bot did not finish update {sent.update_id} within {self.timeout}s")


def button_data(message: Message, wanted: str) -> str:
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            if wanted.casefold() in str(button.get("text", "")).casefold() and "callback_data" in button:
                return str(button["callback_data"])
    raise LookupError(f"no button like {wanted!r} on message {message.get('message_id')}")


def has_buttons(message: Message) -> bool:
    return bool((message.get("reply_markup") or {}).get("inline_keyboard"))


# --- the scenes ----------------------------------------------------------------------------------


async def everyone_opens_the_bot(stage: Stage) -> None:
    """Each person of the team presses Start: their chat shows their role and commands, and their menu is set."""
    for who in TEAM:
        await stage.says(who, "/start")


@dataclass(frozen=True)
class Scene:
    name: str
    needs: tuple[str, ...]  # command names (Vietnamese) the bot must know
    play: Callable[[Stage], Awaitable[None]]


SCENES: tuple[Scene, ...] = (
    Scene("everyone opens the bot", ("start",), everyone_opens_the_bot),
)


def known_commands() -> set[str]:
    return {spec.name for spec in COMMANDS}


async def is_fresh(app: App) -> bool:
    """True when the bot has never handled an update in this database (the story has not been played)."""
    async with app.storage.read() as session:
        return not await session.scalar(select(func.count()).select_from(InboxUpdate))


async def play_story(base_url: str, app: App, scenes: tuple[Scene, ...] = SCENES) -> list[str]:
    """Play every scene whose commands exist; returns the names of the scenes played."""
    if not await is_fresh(app):
        log.info("demo story skipped: this database has history already")
        return []
    known = known_commands()
    played: list[str] = []
    started = time.monotonic()
    async with SandboxClient(base_url) as client:
        stage = Stage(client, app)
        for scene in scenes:
            missing = [name for name in scene.needs if name not in known]
            if missing:
                log.info("demo story: scene %r skipped, the bot has no /%s yet", scene.name, ", /".join(missing))
                continue
            try:
                await scene.play(stage)
            except (LookupError, TimeoutError) as error:
                log.warning("demo story: scene %r stopped: %s", scene.name, error)
                continue
            played.append(scene.name)
    log.info("demo story: %d scenes played in %.1fs", len(played), time.monotonic() - started)
    return played

