"""Opening a workbook that has an opening password: decrypted in memory, so no plain copy touches the disk."""

from __future__ import annotations

import io
import threading
from pathlib import Path

from .sheet_reader import PasswordRequired, WrongPassword, password_elsewhere, unreadable

# The password Excel encrypts an .xls with when it is only protected against changes (写保护, 保护工作簿): such a
# file opens in Excel without asking, and so it does here.
EXCEL_DEFAULT_PASSWORD = "VelvetSweatshop"
_XLS_DECRYPTING = threading.Lock()  # msoffcrypto's .xls module is lent an in-memory tempfile, one file at a time


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


class _InMemory:
    """What msoffcrypto's .xls decryption asks of ``tempfile`` (a scratch copy of the decrypted file): memory."""

    TemporaryFile = io.BytesIO


def decrypt_xls(path: Path, password: str | None) -> io.BytesIO:
    """The plain bytes of an .xls with an opening password (BIFF8: RC4, RC4 CryptoAPI or XOR obfuscation, as Excel,
    WPS and older programs write them), decrypted in memory.

    One protected only against changes opens without a password (Excel's default one). Otherwise raises
    :class:`PasswordRequired` without a password, :class:`WrongPassword` when it does not open the file, and a
    clear ``Unreadable`` for an encryption msoffcrypto does not know or a damaged file.
    """
    import msoffcrypto
    from msoffcrypto.exceptions import InvalidKeyError

    with open(path, "rb") as f:  # an OSError here is the caller's "无法读写文件", as for any input file
        data = f.read()
    for attempt in (EXCEL_DEFAULT_PASSWORD, password):
        if not attempt:
            raise PasswordRequired(password_required_message(path))
        try:
            office = msoffcrypto.OfficeFile(io.BytesIO(data))
            office.load_key(password=attempt)  # the key is checked against the file's verifier here
        except InvalidKeyError:
            if attempt is EXCEL_DEFAULT_PASSWORD:
                continue
            raise WrongPassword(wrong_password_message(path)) from None
        except Exception:  # noqa: BLE001 - an encryption msoffcrypto does not support, or a damaged FilePass
            raise password_elsewhere(path.name, "旧版 Excel 文件（.xls）") from None
        return _decrypted(office, path)
    raise PasswordRequired(password_required_message(path))  # not reached: the loop ends in a return or a raise


def _decrypted(office, path: Path) -> io.BytesIO:
    """msoffcrypto's .xls decryption with its scratch copy in memory (it would put one in a temporary file)."""
    from msoffcrypto.format import xls97

    plain = io.BytesIO()
    with _XLS_DECRYPTING:
        saved, xls97.tempfile = xls97.tempfile, _InMemory
        try:
            office.decrypt(plain)
        except Exception:  # noqa: BLE001 - the key was right, so what fails now is the file itself
            plain.close()
            raise unreadable(path) from None
        finally:
            xls97.tempfile = saved
    plain.seek(0)
    return plain
