"""Access: the users who operate Corridor and their roles (passwords, API keys and the
web console's sessions come later, on top of these)."""

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
