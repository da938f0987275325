"""The pure call lifecycle: states, events, effects and the transition function.

Nothing in this package does I/O or imports asyncio, sqlmodel, redis, fastapi or panoramisk
(``tests/domain/test_purity.py`` checks it).
"""
