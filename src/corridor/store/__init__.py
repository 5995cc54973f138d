"""Where Corridor keeps its books: a SQLite file by default, PostgreSQL when configured.

`CORRIDOR_DATABASE_URL` names the database (`sqlite:///path/to/file.db` or
`postgresql://user@host:port/dbname`); without it, `corridor.db` in the working folder.
The schema is managed by migrations (`upgrade`), which every entry point runs first.
"""

from corridor.store.database import (
    Backend,
    StoreError,
    backend_of,
    database_url,
    display_url,
    make_engine,
    upgrade,
)

__all__ = [
    "Backend",
    "StoreError",
    "backend_of",
    "database_url",
    "display_url",
    "make_engine",
    "upgrade",
]
