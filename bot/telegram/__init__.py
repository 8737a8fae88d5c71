"""The Telegram side of the bot: aiogram wiring, middleware, delivery, menus."""
