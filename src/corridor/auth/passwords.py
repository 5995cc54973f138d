"""Password hashing with argon2id (RFC 9106), through argon2-cffi's defaults.

Only the hash is stored; `verify_password` answers yes or no and never raises for a
wrong password. Passwords shorter than MIN_LENGTH are refused when set.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 256
_hasher = PasswordHasher()


class PasswordPolicyError(ValueError):
    """A password is 10 to 256 characters."""

    status_code = 422


def hash_password(password: str) -> str:
    """The argon2id hash of a password that meets the policy."""
    if not isinstance(password, str) or not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise PasswordPolicyError(f"a password is {MIN_LENGTH} to {MAX_LENGTH} characters long")
    return _hasher.hash(password)


def verify_password(hashed: str, password: str) -> bool:
    """Whether `password` is the one `hashed` was made from."""
    try:
        return bool(_hasher.verify(hashed, password))
    except (VerificationError, InvalidHashError):
        return False
