from tests.faults.servers import own_postgres, own_redis

__all__ = ["own_postgres", "own_redis"]
