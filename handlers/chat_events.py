"""What Telegram tells the bot about chats: a person blocked or unblocked it, the bot was removed
from or added to a group, a group was upgraded."""

from aiogram import F, Router
from aiogram.types import ChatMemberUpdated, Message

from bot.clock import Clock
from bot.reachability import group_migrated, mark_reachable, mark_unreachable
from bot.storage import Storage

BLOCKED = "Forbidden: bot was blocked by the user"
REMOVED = "Forbidden: bot was removed from the group"


async def bot_status_changed(event: ChatMemberUpdated, storage: Storage, clock: Clock) -> None:
    """Blocked or removed: nothing more is attempted there (a member's leader is told);
    unblocked or added again: back to normal."""
    status = event.new_chat_member.status
    reason = BLOCKED if event.chat.type == "private" else REMOVED
    async with storage.transaction() as session:
        if status in ("kicked", "left"):
            await mark_unreachable(session, event.chat.id, reason, now=clock.now())
        elif status in ("member", "administrator", "creator"):
            await mark_reachable(session, event.chat.id)


async def group_upgraded(message: Message, storage: Storage, clock: Clock) -> None:
    assert message.migrate_to_chat_id is not None
    async with storage.transaction() as session:
        await group_migrated(session, message.chat.id, message.migrate_to_chat_id, now=clock.now())


def router() -> Router:
    router = Router(name="chat_events")
    router.my_chat_member.register(bot_status_changed)
    router.message.register(group_upgraded, F.migrate_to_chat_id)
    return router
