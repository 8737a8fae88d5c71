"""A local Telegram Bot API for tests and the web chat: see `server.SandboxServer` and `client.SandboxClient`."""

from bot.sandbox.model import BotIdentity
from bot.sandbox.server import SandboxServer

__all__ = ["BotIdentity", "SandboxServer"]
