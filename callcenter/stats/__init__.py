"""Queue statistics computed from the timeline (``queue.py`` pure, ``source.py`` reads the DB)."""
