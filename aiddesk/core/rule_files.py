"""Reading a rule file of resources/rules (JSON) with a Chinese message when it is missing or malformed."""

from __future__ import annotations

import json

from ..paths import resource
from .errors import UserError


def read_rules(name: str, what: str) -> dict:
    """The JSON object in ``resources/rules/<name>``; ``what`` names the rules in the message (e.g. 安全规则).

    Each caller checks its own keys; this only says, in words an office can act on, that the file is gone or
    cannot be read.
    """
    try:
        with open(resource("rules", name), encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise UserError(f"找不到规则文件 resources/rules/{name}（{what}），请重新安装程序") from None
    except (OSError, ValueError) as err:
        where = f"第 {err.lineno} 行" if isinstance(err, json.JSONDecodeError) else ""
        raise UserError(f"规则文件 {name}（{what}）{where}无法读取，请修正 resources/rules 中的该文件"
                        "或重新安装程序") from None
    if not isinstance(data, dict):
        raise UserError(f"规则文件 {name}（{what}）的内容应为一个对象，请修正 resources/rules 中的该文件")
    return data
