"""aiogram imported through `bot` builds its models when first used, and builds the same models."""

import json
import subprocess
import sys

SCHEMAS = r"""
import hashlib, json, sys
if sys.argv[1] == "lazy":
    import bot  # installs the import hook
from pydantic import BaseModel
from aiogram import methods, types

def schemas():
    built_at_import = sorted(
        name for module in (types, methods) for name in module.__all__
        if isinstance(getattr(module, name), type) and issubclass(getattr(module, name), BaseModel)
        and getattr(module, name).__pydantic_complete__
    )
    found = {}
    for module in (types, methods):
        for name in module.__all__:
            model = getattr(module, name)
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                continue
            try:
                schema = json.dumps(model.model_json_schema(), sort_keys=True)
            except Exception as error:  # some methods take arbitrary types: the error must match too
                schema = type(error).__name__
            found[f"{module.__name__}.{name}"] = hashlib.sha256(schema.encode()).hexdigest()
    return built_at_import, found

built_at_import, found = schemas()
print(json.dumps({"built_at_import": built_at_import, "schemas": found}))
"""


def run(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", SCHEMAS, mode], capture_output=True, text=True, check=True, timeout=300)
    return json.loads(done.stdout)


def test_lazy_import_builds_nothing_up_front_and_every_model_the_same_later() -> None:
    eager, lazy = run("eager"), run("lazy")

    assert len(eager["built_at_import"]) > 500  # aiogram as shipped builds them all
    assert len(lazy["schemas"]) == len(eager["schemas"]) > 500
    assert "aiogram.types.Message" not in lazy["built_at_import"]
    assert "aiogram.methods.SendMessage" not in lazy["built_at_import"]
    different = [name for name, schema in eager["schemas"].items() if lazy["schemas"].get(name) != schema]
    assert different == []


def test_first_use_of_a_model_builds_it() -> None:
    script = (
        "import bot\n"
        "from aiogram import types, methods\n"
        "update = types.Update.model_validate({'update_id': 1, 'message': {'message_id': 2, 'date': 0,"
        " 'chat': {'id': 3, 'type': 'private'}, 'from': {'id': 3, 'is_bot': False, 'first_name': 'An'},"
        " 'text': 'xong roi', 'reply_to_message': {'message_id': 1, 'date': 0, 'chat': {'id': 3, 'type': 'private'}}}})\n"
        "keyboard = types.InlineKeyboardMarkup(inline_keyboard=[[types.InlineKeyboardButton(text='Đã nhận', callback_data='t:1')]])\n"
        "call = methods.SendMessage(chat_id=3, text='<b>ok</b>', reply_markup=keyboard)\n"
        "print(update.message.reply_to_message.message_id, call.reply_markup.inline_keyboard[0][0].callback_data,"
        " types.Update.__pydantic_complete__, types.Poll.__pydantic_complete__)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.split() == ["1", "t:1", "True", "False"]
