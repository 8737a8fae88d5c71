"""What Telegram tells the bot about chats: a person blocked or unblocked it, a group was upgraded."""

from aiogram import F, Router
from aiogram.types import ChatMemberUpdated, Message

from bot.clock import Clock
from bot.reachability import group_migrated, mark_reachable, mark_unreachable
from bot.storage import Storage

BLOCKED = "Forbidden: bot was blocked by the user"


async def private_chat_status(event: ChatMemberUpdated, storage: Storage, clock: Clock) -> None:
    """Blocked: nothing more is attempted there and the leader is told; unblocked: back to normal."""
    status = event.new_chat_member.status
    async with storage.transaction() as session:
        if status == "kicked":
            await mark_unreachable(session, event.chat.id, BLOCKED, now=clock.now())
        elif status == "member":
            await mark_reachable(session, event.chat.id)


async def group_upgraded(message: Message, storage: Storage, clock: Clock) -> None:
    assert message.migrate_to_chat_id is not None
    async with storage.transaction() as session:
        await group_migrated(session, message.chat.id, message.migrate_to_chat_id, now=clock.now())


def router() -> Router:
    router = Router(name="chat_events")
    router.my_chat_member.register(private_chat_status, F.chat.type == "private")
    router.message.register(group_upgraded, F.migrate_to_chat_id)
    return router
