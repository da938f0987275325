"""Which errors the runner waits out (the database away) and which it counts as failures."""

from __future__ import annotations

import pytest
from sqlalchemy import exc as sa_exc

from callcenter.pipeline.outage import is_outage


class DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def chained(outer: Exception, inner: BaseException) -> Exception:
    try:
        try:
            raise inner
        except BaseException as error:
            raise outer from error
    except Exception as raised:
        return raised


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (ConnectionRefusedError(111, "refused"), True),
        (TimeoutError(), True),
        (sa_exc.OperationalError("SELECT 1", {}, Exception("server closed")), True),
        (sa_exc.InterfaceError("SELECT 1", {}, Exception("connection is closed")), True),
        (DriverError("57P03"), True),  # the database system is starting up
        (DriverError("57P01"), True),  # terminating connection due to administrator command
        (DriverError("08006"), True),  # connection failure
        (chained(RuntimeError("wrapped"), ConnectionResetError()), True),
        (sa_exc.IntegrityError("INSERT", {}, Exception("duplicate key")), False),
        (DriverError("23505"), False),  # unique violation: a fault, not an outage
        (ValueError("bad event"), False),
        (KeyError("call"), False),
    ],
)
def test_outage_or_fault(error: BaseException, outage: bool) -> None:
    assert is_outage(error) is outage


def test_an_invalidated_connection_is_an_outage() -> None:
    error = sa_exc.DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True)
    assert is_outage(error)
