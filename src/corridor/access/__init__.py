"""Kept for older imports: users, roles, passwords, API keys and sessions are
`corridor.auth`."""

from corridor.access.users import (
    DuplicateUserError,
    Role,
    UnknownUserError,
    User,
    UserError,
    UserInputError,
    add_user,
    get_user,
)

__all__ = [
    "DuplicateUserError",
    "Role",
    "UnknownUserError",
    "User",
    "UserError",
    "UserInputError",
    "add_user",
    "get_user",
]
