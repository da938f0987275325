"""Radio dispatch hand-off: qualification, tickets, units, and the dispatchers' desk."""
