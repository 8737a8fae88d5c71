"""Which of the bot's questions a person's plain message answers.

Shared by the secondment and convening flows. A message answers one of our
questions when it is a reply to it, or when that question is the last thing
the bot sent in the chat: an answer typed after some other card or notice
arrived is left to the feature that sent it (the person can still reply to
the question, or resume with the command).
"""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox.models import Kind, OutboxMessage
from bot.outbox.service import find_by_message


async def answers_ours(session: AsyncSession, chat_id: int, reply_to_message_id: int | None, ref_prefix: str) -> bool:
    if reply_to_message_id is not None:
        card = await find_by_message(session, chat_id, reply_to_message_id)
        return card is not None and (card.ref or "").startswith(ref_prefix)
    last = await session.scalar(
        select(OutboxMessage.ref)
        .where(OutboxMessage.chat_id == chat_id, OutboxMessage.kind.in_([Kind.SEND, Kind.DOCUMENT]))
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    return (last or "").startswith(ref_prefix)
