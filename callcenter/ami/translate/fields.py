"""Strict readers of AMI fields, shared by every family of events (``Handler``: ``stamps``)."""

from __future__ import annotations


class UnparsableError(ValueError):
    pass


def req(h: dict[str, str], key: str) -> str:
    """A header that must be there and not empty (an empty one reads as missing)."""
    value = h[key]
    if not value:
        raise UnparsableError(key)
    return value


def queue_of(h: dict[str, str]) -> str:
    """The queue a channel sits in, from ``Application: Queue`` and its ``ApplicationData``."""
    if h.get("Application") != "Queue":
        return ""
    return h.get("ApplicationData", "").split(",")[0]


def hms(value: str) -> int:
    """``H:MM:SS`` (CoreShowChannel's Duration) in seconds."""
    if not value:
        return 0
    seconds = 0
    for part in value.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds
