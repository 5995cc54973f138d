"""What each role may do, and which API-key scope each action needs.

A caller acts for one institution (its tenant) in one role. Through the console a
caller has everything the role allows; through an API key, only the actions whose scope
the key was given. Duties are kept apart as banks keep them: operators move payments,
compliance officers decide screening cases, auditors read the audit log, admins manage
users and propose reference-data changes; nobody checks their own work (four-eyes).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from corridor.auth.keys import Scope
from corridor.auth.users import Role, User, tenant_of


class Action(StrEnum):
    """Something a caller may be allowed to do."""

    READ = "read"
    """Payments, clients, accounts and balances, reports, the directory."""
    PAY = "pay"
    """Create, cancel and return payments."""
    QUOTE = "quote"
    """Ask for dealable FX quotes."""
    IMPORT = "import"
    """Upload pain.001 files for import."""
    VALIDATE = "validate"
    """Upload pain.001 files to validate only."""
    REVIEW = "review"
    """See the screening review queue and its cases."""
    DECIDE = "decide"
    """Decide screening cases (four-eyes)."""
    AUDIT = "audit"
    """Read the audit log and verify its chain."""
    MANAGE_USERS = "manage_users"
    """Add users, manage every user's API keys, propose role changes."""
    CHANGE_REFERENCE = "change_reference"
    """Propose and decide fee-schedule and limit changes (as approvals.RULES allows)."""


_EVERYONE = {Action.READ}
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(
        _EVERYONE
        | {Action.VALIDATE, Action.REVIEW, Action.AUDIT, Action.MANAGE_USERS}
        | {Action.CHANGE_REFERENCE}
    ),
    Role.OPERATOR: frozenset(
        _EVERYONE | {Action.PAY, Action.QUOTE, Action.IMPORT, Action.VALIDATE}
    ),
    Role.COMPLIANCE: frozenset(
        _EVERYONE | {Action.VALIDATE, Action.REVIEW, Action.DECIDE, Action.CHANGE_REFERENCE}
    ),
    Role.AUDITOR: frozenset(_EVERYONE | {Action.REVIEW, Action.AUDIT}),
    Role.READ_ONLY: frozenset(_EVERYONE),
}
SCOPE_OF: dict[Action, Scope] = {
    Action.READ: Scope.READ,
    Action.PAY: Scope.PAYMENTS,
    Action.QUOTE: Scope.FX,
    Action.IMPORT: Scope.ISO,
    Action.VALIDATE: Scope.ISO,
    Action.REVIEW: Scope.CASES,
    Action.DECIDE: Scope.CASES,
    Action.AUDIT: Scope.READ,
    Action.MANAGE_USERS: Scope.ADMIN,
    Action.CHANGE_REFERENCE: Scope.ADMIN,
}


class ForbiddenError(PermissionError):
    """A caller does only what their role allows, and through an API key only what the
    key's scopes allow."""

    status_code = 403


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking: a user of one institution, through the console or an API key."""

    user: User
    scopes: frozenset[Scope] | None = None
    """An API key's scopes; None through the console (the role decides alone)."""
    key_id: str | None = None

    @property
    def institution(self) -> str:
        """The caller's tenant: the BIC11 of their institution (a BIC8 is its head office)."""
        return tenant_of(self.user)

    @property
    def role(self) -> Role:
        """The caller's role."""
        return self.user.role

    def may(self, action: Action) -> bool:
        """Whether the role (and the key, if any) allows `action`."""
        if action not in ROLE_ACTIONS[self.user.role]:
            return False
        return self.scopes is None or SCOPE_OF[action] in self.scopes

    def require(self, action: Action) -> None:
        """Raise ForbiddenError unless the caller may do `action`."""
        if action not in ROLE_ACTIONS[self.user.role]:
            raise ForbiddenError(
                f"the {self.user.role} role may not {action.value.replace('_', ' ')}"
            )
        if self.scopes is not None and SCOPE_OF[action] not in self.scopes:
            raise ForbiddenError(
                f"this API key lacks the {SCOPE_OF[action].value!r} scope for"
                f" {action.value.replace('_', ' ')}"
            )
