"""The one way handlers and services send: through the outbox.

Services that change state call bot.outbox.service.enqueue() inside their own
transaction. Sender is the convenience for a reply that changes nothing else.
While an update is handled it joins the update's transaction without a
savepoint: queueing is all or nothing already, and a failure rolls back the
whole update (nothing catches it half-way).
"""

from bot.clock import Clock
from bot.outbox.models import OutboxMessage
from bot.outbox.service import Attachment, enqueue, enqueue_edit, enqueue_file
from bot.storage import Storage
from bot.ui import Message


class Sender:
    def __init__(self, storage: Storage, clock: Clock) -> None:
        self.storage, self.clock = storage, clock

    async def send(
        self,
        chat_id: int,
        message: Message,
        *,
        reply_to_message_id: int | None = None,
        ref: str | None = None,
        team_id: int | None = None,
    ) -> OutboxMessage | None:
        async with self.storage.transaction(savepoint=False) as session:
            return await enqueue(
                session, chat_id, message, now=self.clock.now(), ref=ref, team_id=team_id,
                reply_to_message_id=reply_to_message_id,
            )

    async def edit(self, chat_id: int, message_id: int, message: Message) -> None:
        async with self.storage.transaction(savepoint=False) as session:
            await enqueue_edit(session, chat_id, message, now=self.clock.now(), target_message_id=message_id)

    async def send_file(self, chat_id: int, attachment: Attachment, *, photo: bool = False) -> None:
        async with self.storage.transaction(savepoint=False) as session:
            await enqueue_file(session, chat_id, attachment, now=self.clock.now(), photo=photo)
