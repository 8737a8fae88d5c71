"""What each `dieuphoi` subcommand does."""

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from collections.abc import Coroutine
from typing import Any

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


async def reports_check(_settings: Settings, args: argparse.Namespace) -> int:
    from bot.reports.types import check_report_types_file, load_report_types

    problems = check_report_types_file(args.file)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 2
    print(f"{args.file}: {len(load_report_types(args.file).types)} report type(s), no problem found")
    return 0


async def export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.digest.export import day_window, export_workbook, read_date

    try:
        first, last = read_date(args.first), read_date(args.last)
        day_window(first, last, settings.zone)
    except ValueError as error:
        raise CliError(str(error), status=2) from None
    out = args.out or Path(f"dieuphoi-{first.isoformat()}-{last.isoformat()}.xlsx")
    storage = Storage.from_url(settings.database_url)
    try:
        code = await _team_code(storage, args.team)
        async with storage.read() as session:
            team = await session.scalar(select(Team).where(Team.code == code))
            assert team is not None
            data = await export_workbook(session, team.id, first=first, last=last, zone=settings.zone,
                                         locale=settings.default_locale)
    finally:
        await storage.close()
    out.write_bytes(data)
    print(f"{out}: team {code}, {first:%d/%m/%Y} to {last:%d/%m/%Y}")
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
    from aiogram.exceptions import TelegramUnauthorizedError

    from bot.telegram.runner import run_bot, run_sandbox
    from bot.telegram.webhook import run_webhook_mode

    if args.webhook:
        if not settings.token:
            raise CliError("webhook mode needs DIEUPHOI_BOT_TOKEN", status=2)
        if settings.webhook_secret is None:
            raise CliError("webhook mode needs DIEUPHOI_WEBHOOK_SECRET (the secret Telegram sends back "
                           "with every update); refusing to start without it", status=2)
        if not settings.webhook_url:
            raise CliError("webhook mode needs DIEUPHOI_WEBHOOK_URL (the public https URL of the webhook)", status=2)
    elif not settings.token:
        return await until_terminated(run_sandbox(settings, port=None, announce=True))
    try:
        return await until_terminated(run_webhook_mode(settings) if args.webhook else run_bot(settings))
    except TelegramUnauthorizedError:
        raise CliError("the Bot API refused DIEUPHOI_BOT_TOKEN (401 Unauthorized); check the token", status=2) from None


async def until_terminated(work: Coroutine[Any, Any, int]) -> int:
    """Run until done, or until SIGTERM/SIGINT, which stop it cleanly (workers, sessions, pool)."""
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, task.cancel)
    try:
        return await task
    except asyncio.CancelledError:
        return 0
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)


async def health(settings: Settings, args: argparse.Namespace) -> int:
    from bot.health import run_checks

    checks = await run_checks(settings, now=SystemClock().now(), max_outbox_age=args.max_outbox_age,
                              bot_api=not args.skip_bot_api)
    for check in checks:
        print(check.line())
    return 0 if all(check.ok for check in checks) else 1


async def faq_check(_settings: Settings, args: argparse.Namespace) -> int:
    """`dieuphoi faq check FILE`: every problem on its own line (file:line: entry: field: what), exit 1 if any."""
    from bot.helpdesk.knowledge import check_knowledge_file, load_knowledge

    problems = check_knowledge_file(args.file)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {args.file}", file=sys.stderr)
        return 1
    knowledge = load_knowledge(args.file)
    print(f"OK: {args.file}: {len(knowledge.entries)} entries in {len(knowledge.categories)} categories")
    return 0


async def sandbox(settings: Settings, args: argparse.Namespace) -> int:
    from bot.telegram.runner import run_sandbox

    return await until_terminated(run_sandbox(settings, port=args.port, announce=False))
