"""Accounts an auditor can tell apart: names unique whatever their case, seats the PBX has."""

from __future__ import annotations

from tests.api.room import Room, client


async def test_user_names_and_seats(room: Room, base: str) -> None:
    headers = room.headers("adm")
    password = "a long passphrase"
    async with client(base) as http:

        async def add(username: str, seat: str | None, role: str = "operator") -> int:
            body = {"username": username, "password": password, "role": role, "seat": seat}
            r = await http.post("/users", json=body, headers=headers)
            return r.status_code

        assert await add("ADM", None, "admin") == 409  # 'adm' exists
        assert await add("Op3", "Seat 05") == 409
        assert await add("amina", "Seat 99") == 422  # not a seat of the PBX
        assert await add("amina", "seat 05") == 422
        assert await add("amina", "Seat\u202e05") == 422
        assert await add("amina", "Seat 05\n") == 422
        assert await add("amina", "Seat 05") == 201
        listed = await http.get("/users", headers=headers)
    assert [u["username"] for u in listed.json()].count("amina") == 1
