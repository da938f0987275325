"""Field units: the registry, its Casablanca seed, and the nearest available units to a ticket."""

from __future__ import annotations

from datetime import UTC, datetime

from callcenter.domain.dispatch import (
    Ticket,
    Unit,
    UnitDistance,
    UnitKind,
    UnitStatus,
    nearest_available,
)
from callcenter.storage.tickets import UnitStore

K = UnitKind

# A few patrols around Casablanca (positions of well-known places, WGS84).
DEFAULT_UNITS: tuple[tuple[str, UnitKind, float, float], ...] = (
    ("CAR-01", K.CAR, 33.5951, -7.6187),  # Place Mohammed V
    ("CAR-02", K.CAR, 33.5883, -7.6325),  # Maarif
    ("CAR-03", K.CAR, 33.5731, -7.5898),  # Hay Mohammadi (approx.)
    ("CAR-04", K.CAR, 33.5333, -7.5833),  # Sidi Maarouf
    ("MOTO-01", K.MOTORBIKE, 33.6080, -7.6328),  # Hassan II Mosque
    ("MOTO-02", K.MOTORBIKE, 33.5950, -7.6700),  # Ain Diab corniche
    ("MOTO-03", K.MOTORBIKE, 33.5650, -7.6450),  # Oasis
    ("FOOT-01", K.FOOT, 33.5992, -7.6134),  # Old medina
    ("FOOT-02", K.FOOT, 33.5890, -7.6060),  # Derb Omar
)


def default_units() -> list[Unit]:
    at = datetime.now(UTC)
    return [
        Unit(id=i, kind=k, status=UnitStatus.AVAILABLE, latitude=lat, longitude=lon, position_at=at)
        for i, k, lat, lon in DEFAULT_UNITS
    ]


class UnitRegistry:
    def __init__(self, store: UnitStore) -> None:
        self.store = store

    async def seed_defaults(self) -> int:
        """Add the default units to an empty registry; returns how many were added."""
        if await self.store.count():
            return 0
        units = default_units()
        await self.store.add(units)
        return len(units)

    async def units(self) -> list[Unit]:
        return await self.store.all()

    async def nearest(self, ticket: Ticket, *, limit: int = 5) -> list[UnitDistance]:
        """Available units ordered by distance to the ticket (empty without coordinates)."""
        q = ticket.qualification
        if q.latitude is None or q.longitude is None:
            return []
        return nearest_available(await self.store.all(), q.latitude, q.longitude, limit=limit)

    async def set_status(self, unit_id: str, status: UnitStatus) -> Unit:
        values: dict[str, object] = {"status": status}
        if status is UnitStatus.AVAILABLE:
            values["ticket_id"] = None
        return await self.store.update(unit_id, **values)

    async def move(self, unit_id: str, latitude: float, longitude: float) -> Unit:
        return await self.store.update(
            unit_id, latitude=latitude, longitude=longitude, position_at=datetime.now(UTC)
        )
