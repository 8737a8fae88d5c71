"""Filling the sandbox with the people and group of a roster, so each can be played."""

from bot.roster.file import RosterFile
from bot.sandbox.people import register_group, register_user
from bot.sandbox.state import SandboxState


def populate(state: SandboxState, roster: RosterFile, *, started: bool = True) -> None:
    """Register every roster person with a Telegram id, and the team group with the bot in it.

    started=True marks them as having opened the bot already, as a real team
    would have, so the bot may write to them first.
    """
    for member in roster.members:
        if member.telegram_id is None:
            continue
        *first, last = member.full_name.split()
        user = register_user(state, member.telegram_id, last, " ".join(first) or None, member.bare_username,
                             member.language or "vi")
        if started:
            user.has_started = True
            state.ensure_private_chat(user)
    if roster.team.group_chat_id is not None:
        chat = register_group(state, roster.team.group_chat_id, roster.team.name,
                              "supergroup" if str(roster.team.group_chat_id).startswith("-100") else "group")
        chat.member_ids.update(m.telegram_id for m in roster.members if m.telegram_id)
        chat.bot_status = "member"
