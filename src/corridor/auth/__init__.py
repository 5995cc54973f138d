"""Who may do what: institutions as tenants, users and roles, passwords (argon2id), API
keys, web sessions, four-eyes approvals, and the hash-chained audit log."""

from corridor.auth.users import (
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
