"""What each `dieuphoi` subcommand does."""

import argparse
import sys

from sqlalchemy import select

from bot.clock import SystemClock
from bot.config import Settings
from bot.migrate import upgrade_async
from bot.roster.file import RosterError, dump_roster, load_roster
from bot.roster.invites import create_invite, find_member_for_invite
from bot.roster.models import Team
from bot.roster.service import export_roster, import_roster, team_codes
from bot.storage import Storage


class CliError(Exception):
    """A failure to report in one line, with the exit status to use."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


async def db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    await upgrade_async(settings.database_url)
    print("database is at the newest schema")
    return 0


async def roster_import(settings: Settings, args: argparse.Namespace) -> int:
    try:
        roster = load_roster(args.file)
    except RosterError as error:
        raise CliError(str(error), status=2) from None
    await upgrade_async(settings.database_url)
    storage = Storage.from_url(settings.database_url)
    try:
        async with storage.transaction() as session:
            summary = await import_roster(session, roster, now=SystemClock().now())
    finally:
        await storage.close()
    print(
        f"team {summary.team_code}: {len(summary.created)} added, {len(summary.updated)} updated, "
        f"{len(summary.deactivated)} deactivated"
    )
    return 0


async def _team_code(storage: Storage, requested: str | None) -> str:
    async with storage.read() as session:
        codes = await team_codes(session)
    if requested:
        if requested not in codes:
            raise CliError(f"no team with code {requested!r} (teams: {', '.join(codes) or 'none'})")
        return requested
    if len(codes) != 1:
        raise CliError("several teams: name one with --team" if codes else "no team yet: import a roster first")
    return codes[0]


async def roster_export(settings: Settings, args: argparse.Namespace) -> int:
    storage = Storage.from_url(settings.database_url)
    try:
        code = await _team_code(storage, args.team)
        async with storage.read() as session:
            roster = await export_roster(session, code)
    finally:
        await storage.close()
    sys.stdout.write(dump_roster(roster))
    return 0


async def invite(settings: Settings, args: argparse.Namespace) -> int:
    from bot.telegram.runner import bot_username

    storage = Storage.from_url(settings.database_url)
    try:
        code = await _team_code(storage, args.team)
        async with storage.transaction() as session:
            team = await session.scalar(select(Team).where(Team.code == code))
            assert team is not None
            found = await find_member_for_invite(session, team.id, args.member)
            if not found:
                raise CliError(f"no active member matches {args.member!r} in team {code}")
            if len(found) > 1:
                names = ", ".join(f"{m.full_name} ({m.key})" for m in found)
                raise CliError(f"{args.member!r} matches several members: {names}; use the code or telegram id")
            invitation = await create_invite(session, found[0], now=SystemClock().now(), ttl=settings.invite_ttl)
        username = await bot_username(settings)
    finally:
        await storage.close()
    print(f"https://t.me/{username}?start={invitation}")
    return 0


async def run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.telegram.runner import run_bot, run_sandbox

    if not settings.token:
        return await run_sandbox(settings, port=None, announce=True)
    if args.webhook:
        raise CliError("webhook mode is not available yet", status=2)
    return await run_bot(settings)


async def sandbox(settings: Settings, args: argparse.Namespace) -> int:
    from bot.telegram.runner import run_sandbox

    return await run_sandbox(settings, port=args.port, announce=False)
