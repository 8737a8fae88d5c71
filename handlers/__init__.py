"""aiogram routers. Each module has its handlers and a `router()` that builds a fresh
Router registering them (a Router can be attached once, and tests build many bots)."""

from aiogram import Router

from handlers import chat_events, convening, digest, fallback, helpdesk, language, reports, secondment, start, tasks, team


def build_router() -> Router:
    root = Router(name="dieuphoi")
    # Order matters: specific commands first, the catch-all last.
    for module in (chat_events, helpdesk, start, language, team, secondment, convening, reports, digest, tasks, fallback):
        root.include_router(module.router())
    return root
