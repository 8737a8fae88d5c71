"""Single-use invitation codes for deep links (t.me/<bot>?start=<code>).

A code carries 192 bits of randomness in 32 URL-safe characters (Telegram
allows 64 of A-Za-z0-9_-). Only its SHA-256 is stored.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import record
from bot.roster.models import Invite, Member
from bot.text.fold import fold

CODE_BYTES = 24


class InviteRefusal(StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    INACTIVE = "inactive"
    TAKEN = "taken"  # this Telegram account is already someone else on that team


@dataclass(frozen=True)
class Redeemed:
    member: Member


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def looks_like_invite(payload: str) -> bool:
    return len(payload) == 32 and all(ch.isalnum() or ch in "-_" for ch in payload)


async def create_invite(session: AsyncSession, member: Member, *, now: datetime, ttl: timedelta) -> str:
    code = secrets.token_urlsafe(CODE_BYTES)
    session.add(
        Invite(team_id=member.team_id, member_id=member.id, code_hash=_digest(code), created_at=now, expires_at=now + ttl)
    )
    record(session, at=now, action="invite.create", subject=f"member:{member.key}", actor=None,
           team_id=member.team_id, after={"expires_at": (now + ttl).isoformat()})
    await session.flush()
    return code


async def redeem_invite(
    session: AsyncSession, code: str, *, telegram_id: int, now: datetime
) -> Redeemed | InviteRefusal:
    invite = await session.scalar(select(Invite).where(Invite.code_hash == _digest(code)).with_for_update())
    if invite is None:
        return InviteRefusal.UNKNOWN
    if invite.used_at is not None:
        return InviteRefusal.USED
    if invite.expires_at <= now:
        return InviteRefusal.EXPIRED
    member = await session.get(Member, invite.member_id)
    if member is None or not member.active:
        return InviteRefusal.INACTIVE
    other = await session.scalar(
        select(Member).where(
            Member.team_id == member.team_id, Member.telegram_id == telegram_id, Member.id != member.id
        )
    )
    if other is not None:
        return InviteRefusal.TAKEN
    before = {"telegram_id": member.telegram_id}
    member.telegram_id = telegram_id
    invite.used_at, invite.used_by = now, telegram_id
    record(session, at=now, action="invite.redeem", subject=f"member:{member.key}", actor=telegram_id,
           team_id=member.team_id, before=before, after={"telegram_id": telegram_id})
    await session.flush()
    return Redeemed(member)


async def find_member_for_invite(session: AsyncSession, team_id: int, reference: str) -> list[Member]:
    """Members matching a CLI reference: code, telegram id, @username or full name."""
    ref = reference.strip().lstrip("@")
    members = list(await session.scalars(select(Member).where(Member.team_id == team_id, Member.active.is_(True))))
    exact = [
        m for m in members
        if m.key in (f"code:{ref}", f"tg:{ref}") or str(m.telegram_id) == ref
        or (m.username or "").casefold() == ref.casefold()
    ]
    if exact:
        return exact
    return [m for m in members if fold(m.full_name) == fold(ref) or fold(m.short_name) == fold(ref)]
