"""Whether an error means "the database (or the network to it) is away for now".

The runner holds its items and tries again after such an error (``runner.py``); any other
error is a fault of the item or of the code, which no waiting will cure. An error is an outage
when it, or an error it was raised from, is one of:

- ``OSError`` (refused or reset connections, timeouts: ``ConnectionError``, ``TimeoutError``);
- SQLAlchemy's ``OperationalError``, ``InterfaceError``, ``DisconnectionError``, its pool
  ``TimeoutError``, or any ``DBAPIError`` that invalidated its connection;
- a driver error whose SQLSTATE is a connection exception (class ``08``) or an operator
  intervention (``57P01`` admin shutdown, ``57P02`` crash shutdown, ``57P03`` cannot connect
  now, as while PostgreSQL starts or stops).
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

_OUTAGE_CLASSES: tuple[type[BaseException], ...] = (
    OSError,
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
)
_OUTAGE_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def is_outage(error: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _OUTAGE_CLASSES):
            return True
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        sqlstate = getattr(current, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_OUTAGE_SQLSTATES):
            return True
        current = current.__cause__ or current.__context__
    return False
