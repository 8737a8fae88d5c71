"""Filters shared by the routers."""

from aiogram.filters import Command

from bot.commands import CommandSpec


def command(spec: CommandSpec) -> Command:
    """Both the Vietnamese name and the English alias of a command."""
    return Command(*spec.names, ignore_case=True)
