"""The smallest aiogram bot: answers every message with its text. The footprint benchmark's baseline.

    python -m bench.bare_echo        (DIEUPHOI_BOT_TOKEN, DIEUPHOI_API_URL from the environment)

It imports aiogram and nothing of dieuphoi (not even its settings, unlike
`python -m bench.bots echo`), so its resident memory and start-up time are
what aiogram itself costs: the floor under any aiogram bot.
"""

import asyncio
import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message


async def echo(message: Message) -> None:
    await message.answer(message.text or "…")


async def main() -> None:
    api = TelegramAPIServer.from_base(os.environ.get("DIEUPHOI_API_URL", "https://api.telegram.org"))
    bot = Bot(os.environ["DIEUPHOI_BOT_TOKEN"], session=AiohttpSession(api=api))
    dispatcher = Dispatcher()
    dispatcher.message.register(echo)
    await dispatcher.start_polling(bot, handle_signals=True)


if __name__ == "__main__":
    asyncio.run(main())
