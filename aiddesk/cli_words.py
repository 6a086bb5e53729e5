"""argparse's own words (usage, headings, its error messages) in Chinese, for the command line's help and errors."""

from __future__ import annotations

import argparse

# argparse looks these up through its module-level ``_`` and ``ngettext`` (Python 3.11–3.13) each time it
# writes help or an error; a text missing here stays as argparse wrote it.
_ZH = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助后退出",
    "show program's version number and exit": "显示版本号后退出",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "unrecognized arguments: %s": "不认识的参数：%s",
    "the following arguments are required: %s": "缺少必填的参数：%s",
    "one of the arguments %s is required": "参数 %s 必须填写其中一个",
    "not allowed with argument %s": "不能和参数 %s 同时使用",
    "expected one argument": "后面应有一个值",
    "expected at most one argument": "后面最多有一个值",
    "expected at least one argument": "后面至少有一个值",
    "ambiguous option: %(option)s could match %(matches)s": "参数 %(option)s 不明确，可能是 %(matches)s",
    "invalid %(type)s value: %(value)r": "值 %(value)r 不是有效的%(type)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "没有 %(value)r 这一项（可选：%(choices)s）",
    "ignored explicit argument %r": "参数 %r 不需要值",
    "expected %s argument": "后面应有 %s 个值",
    "expected %s arguments": "后面应有 %s 个值",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "can't open '%(filename)s': %(error)s": "打不开“%(filename)s”：%(error)s",
}
# The type names argparse puts into "invalid %(type)s value", as the message reads them.
_TYPES = {"有效的int": "有效的整数", "有效的float": "有效的数字"}


def _gettext(text: str) -> str:
    return _ZH.get(text, text)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _gettext(singular if n == 1 else plural)


def install() -> None:
    """From now on argparse writes its help headings and errors in Chinese."""
    argparse._ = _gettext
    argparse.ngettext = _ngettext


def in_chinese(message: str) -> str:
    """An argparse error message with its type names in Chinese too."""
    for english, chinese in _TYPES.items():
        message = message.replace(english, chinese)
    return message
