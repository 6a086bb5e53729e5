"""Opening a workbook that has an opening password: decrypted in memory, so no plain copy touches the disk."""

from __future__ import annotations

import io
from pathlib import Path

from .sheet_reader import PasswordRequired, WrongPassword, unreadable


def password_required_message(path: Path) -> str:
    return (f"文件已加密，请先输入密码：“{path.name}”设置了打开密码，"
            "请输入发送单位另行告知的密码后再导入")


def wrong_password_message(path: Path) -> str:
    return (f"密码不对：用这个密码打不开“{path.name}”。请向发送单位核对密码"
            "（注意大小写、全角半角和空格）后重新输入")


def decrypt_workbook(path: Path, password: str | None) -> io.BytesIO:
    """The plain .xlsx bytes of an encrypted workbook (agile or standard OOXML encryption, as Excel and WPS write).

    Raises :class:`PasswordRequired` without a password, :class:`WrongPassword` when it does not open the file,
    ``Unreadable`` when the file is damaged. The password is neither kept nor put in any message.
    """
    if not password:
        raise PasswordRequired(password_required_message(path))
    import msoffcrypto
    from msoffcrypto.exceptions import InvalidKeyError

    plain = io.BytesIO()
    with open(path, "rb") as f:  # an OSError here is the caller's "无法读写文件", as for any input file
        try:
            office = msoffcrypto.OfficeFile(f)
        except Exception:  # noqa: BLE001 - msoffcrypto's own kinds: not an Office file it knows
            raise unreadable(path) from None
        try:
            # Checked against the key's verifier first: a wrong password fails here in a moment,
            # before any content is decrypted.
            office.load_key(password=password, verify_password=True)
        except InvalidKeyError:
            raise WrongPassword(wrong_password_message(path)) from None
        except Exception:  # noqa: BLE001 - a damaged EncryptionInfo stream
            raise unreadable(path) from None
        try:
            office.decrypt(plain)
        except Exception:  # noqa: BLE001 - the key was right, so what fails now is the file itself
            plain.close()
            raise unreadable(path) from None
    plain.seek(0)
    return plain
