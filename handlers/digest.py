"""/tonghop (/digest): the Director's digest on demand, for the Director, the leader and deputies."""

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import Message

from bot.clock import Clock
from bot.commands import DIGEST
from bot.config import Settings
from bot.digest.schedule import digest_now
from bot.people import Actor
from bot.storage import Storage
from bot.text.fold import fold
from handlers.filters import command

WEEK_WORDS = {"tuan", "week", "7"}


async def digest(message: Message, command: CommandObject, actor: Actor, storage: Storage, clock: Clock,
                 settings: Settings) -> None:
    assert actor.membership is not None
    days = 7 if fold(command.args or "") in WEEK_WORDS else 1
    async with storage.transaction() as session:
        await digest_now(session, actor.membership, now=clock.now(), days=days, settings=settings,
                         locale=actor.locale)


def router() -> Router:
    router = Router(name="digest")
    router.message.register(digest, command(DIGEST), flags={"action": DIGEST.action})
    return router
