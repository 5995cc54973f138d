"""Reference data in the store: the institutions (tenants), their correspondent accounts,
clients and their accounts and limits, fee schedules and FX spreads, and the four-eyes
changes to them. `load_corridor` builds the payments engine's Corridor from it."""

from corridor.reference_data.store import (
    ClientRecord,
    has_reference_data,
    load_corridor,
    save_corridor,
)

__all__ = ["ClientRecord", "has_reference_data", "load_corridor", "save_corridor"]
