"""Password hashing with the standard library's scrypt (salted, slow on purpose)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# n=2**14, r=8, p=1: about 16 MB and tens of milliseconds per check.
_N, _R, _P = 2 ** 14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt),
                               n=int(n), r=int(r), p=int(p), dklen=len(digest) // 2)
    return hmac.compare_digest(candidate.hex(), digest)


def check_password_strength(password: str) -> str | None:
    """A Chinese reason the password is too weak, or None."""
    if len(password) < 6:
        return "密码至少6位"
    if password.isdigit() and len(set(password)) == 1:
        return "密码不能全是同一个数字"
    return None
