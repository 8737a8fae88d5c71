"""aiogram routers. Each module exposes one `router`; build_router() assembles them."""

from aiogram import Router

from handlers import fallback, language, start, team


def build_router() -> Router:
    root = Router(name="dieuphoi")
    # Order matters: specific commands first, the catch-all last.
    for module in (start, language, team, fallback):
        root.include_router(module.router)
    return root
