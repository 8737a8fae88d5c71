"""dieuphoi: the coordination assistant of a provincial COVID-19 IT task force."""

from bot.telegram import lazy_models

__version__ = "0.1.0"

# Before anything of ours imports aiogram: its models are then built when first used.
lazy_models.install()
