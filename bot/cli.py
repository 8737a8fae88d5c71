"""The `dieuphoi` command line (also `python -m bot`)."""

import argparse
import asyncio
import logging
import sys
from datetime import timedelta
from pathlib import Path

from bot.commands_cli import CliError
from bot.config import ConfigError, load_settings
from bot import commands_cli as c
from bot.durations import parse_duration
from bot.logs import setup_logging

EXIT_USAGE = 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_USAGE
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"dieuphoi: {error}", file=sys.stderr)
        return EXIT_USAGE
    setup_logging(secrets=settings.secrets, fmt=settings.log_format, level=logging.getLevelName(settings.log_level))
    try:
        return int(asyncio.run(args.handler(settings, args)) or 0)
    except KeyboardInterrupt:
        return 130
    except CliError as error:
        print(f"dieuphoi: {error}", file=sys.stderr)
        return error.status
    except Exception:  # through the log's redacting filter: a traceback never shows the token
        logging.getLogger("dieuphoi").exception("dieuphoi %s failed", " ".join(argv or sys.argv[1:2]))
        return 1


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dieuphoi", description="Trợ lý điều phối Tổ CNTT phòng chống dịch.")
    sub = parser.add_subparsers(metavar="COMMAND")

    run = sub.add_parser("run", help="run the bot (long polling; the local sandbox when no token is set)")
    run.add_argument("--webhook", action="store_true", help="serve Telegram webhooks instead of polling")
    run.set_defaults(handler=c.run)

    health = sub.add_parser("health", help="check the database, Redis, the Bot API and the outbox; exit 1 if not ok")
    health.add_argument("--max-outbox-age", type=_duration, default=timedelta(minutes=5), metavar="AGE",
                        help="fail when a message has waited in the outbox longer than this (default 5m)")
    health.add_argument("--skip-bot-api", action="store_true", help="do not call getMe")
    health.set_defaults(handler=c.health)

    sandbox = sub.add_parser("sandbox", help="run the bot against the local Bot API sandbox with a demo roster")
    sandbox.add_argument("--port", type=int, default=8081, help="sandbox HTTP port (default 8081)")
    sandbox.set_defaults(handler=c.sandbox)

    db = sub.add_parser("db", help="database maintenance").add_subparsers(metavar="ACTION")
    db.add_parser("upgrade", help="migrate the database to the newest schema").set_defaults(handler=c.db_upgrade)

    roster = sub.add_parser("roster", help="import or export a team roster").add_subparsers(metavar="ACTION")
    importing = roster.add_parser("import", help="import a roster YAML file (idempotent)")
    importing.add_argument("file", type=Path)
    importing.set_defaults(handler=c.roster_import)
    exporting = roster.add_parser("export", help="print a team's roster as YAML")
    exporting.add_argument("--team", help="team code (needed when there are several teams)")
    exporting.set_defaults(handler=c.roster_export)

    invite = sub.add_parser("invite", help="print a single-use invitation link for a member")
    invite.add_argument("member", help="member code, telegram id, @username or full name")
    invite.add_argument("--team", help="team code (needed when there are several teams)")
    invite.set_defaults(handler=c.invite)

    reports = sub.add_parser("reports", help="report types").add_subparsers(metavar="ACTION")
    checking_reports = reports.add_parser("check", help="validate a report-types file; print each problem with its line, exit 2 if any")
    checking_reports.add_argument("file", type=Path)
    checking_reports.set_defaults(handler=c.reports_check)

    export = sub.add_parser("export", help="write the digest spreadsheet (tasks, reports, figures) for whole days")
    export.add_argument("--from", dest="first", required=True, help="first day, 2026-11-30 or 30/11/2026")
    export.add_argument("--to", dest="last", required=True, help="last day (included)")
    export.add_argument("--out", type=Path, help="the .xlsx file to write (default dieuphoi-FROM-TO.xlsx)")
    export.add_argument("--team", help="team code (needed when there are several teams)")
    export.set_defaults(handler=c.export)

    faq = sub.add_parser("faq", help="the citizen help desk's knowledge base").add_subparsers(metavar="ACTION")
    checking = faq.add_parser("check", help="validate a knowledge file; print each problem naming its entry, exit 1 if any")
    checking.add_argument("file", type=Path)
    checking.set_defaults(handler=c.faq_check)
    return parser
