"""Kept for older imports: the one user model lives in `corridor.auth.users`."""

from corridor.auth.users import (
    BIC,
    DuplicateUserError,
    Role,
    UnknownUserError,
    User,
    UserError,
    UserInputError,
    add_user,
    get_user,
    users_table,
)

__all__ = [
    "BIC",
    "DuplicateUserError",
    "Role",
    "UnknownUserError",
    "User",
    "UserError",
    "UserInputError",
    "add_user",
    "get_user",
    "users_table",
]
