"""callcenter: the backend of an emergency call-handling room (Morocco's line 19 model)."""

__version__ = "0.1.0"
