"""Roster tables. Every row that belongs to a team carries team_id."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, TelegramId, UTCDateTime


class Role(StrEnum):
    DIRECTOR = "director"
    LEADER = "leader"
    DEPUTY = "deputy"
    MEMBER = "member"
    UNIT_MANAGER = "unit_manager"


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    group_chat_id: Mapped[int | None] = mapped_column(TelegramId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Area(Base):
    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("team_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("team_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    manager_telegram_id: Mapped[int | None] = mapped_column(TelegramId)


member_areas = Table(
    "member_areas",
    Base.metadata,
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", Integer, ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True),
)


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("team_id", "telegram_id"), UniqueConstraint("team_id", "key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    # What identifies the person in the roster file across re-imports.
    key: Mapped[str] = mapped_column(String(128))
    telegram_id: Mapped[int | None] = mapped_column(TelegramId, index=True)
    username: Mapped[str | None] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(255))
    short_name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(255))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    role: Mapped[Role] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    roster_order: Mapped[int] = mapped_column(Integer, default=0)

    areas: Mapped[list[Area]] = relationship(secondary=member_areas, lazy="selectin", order_by=Area.code)
    unit: Mapped[Unit | None] = relationship(lazy="joined")  # many-to-one: joined in the same SELECT
    team: Mapped[Team] = relationship(lazy="joined")


class Invite(Base):
    """A single-use deep-link code that links a Telegram account to a roster member.

    Only a hash of the code is stored, so a database dump cannot be used to link accounts.
    """

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(TelegramId)


class Person(Base):
    """What the bot remembers of any Telegram user, member or citizen: preferences only."""

    __tablename__ = "people"

    telegram_id: Mapped[int] = mapped_column(TelegramId, primary_key=True, autoincrement=False)
    language: Mapped[str | None] = mapped_column(String(8))
    acting_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
