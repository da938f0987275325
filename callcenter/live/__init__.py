"""Live updates: a sequenced log of messages and the hub that fans it out to websockets."""
