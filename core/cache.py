"""Django's Redis cache, made to keep the portal serving while Redis is down.

Nothing the portal keeps in the cache is a record (those are in PostgreSQL): progress of a
report or an import, throttle counters, the rollups' "refresh asked" mark. When Redis cannot be
reached, a read misses, a write is dropped, `add` and `incr` answer as if the key were new —
so throttles let requests through for that while (logins stay limited by the per-account
lockout, which is in the database) — and a warning is logged at most every LOG_EVERY seconds.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
LOG_EVERY = 30.0
_last_logged = 0.0


def _unreachable(operation: str, exc: Exception) -> None:
    global _last_logged
    now = time.monotonic()
    if now - _last_logged >= LOG_EVERY:
        _last_logged = now
        log.warning(
            "cache unreachable (%s on %s): serving without it", exc.__class__.__name__, operation
        )


class ResilientRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE as exc:
            _unreachable("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNREACHABLE as exc:
            _unreachable("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNREACHABLE as exc:
            _unreachable("has_key", exc)
            return False

    def set(self, key, value, timeout=..., version=None):
        kwargs = {} if timeout is ... else {"timeout": timeout}
        try:
            return super().set(key, value, version=version, **kwargs)
        except UNREACHABLE as exc:
            _unreachable("set", exc)

    def set_many(self, data, timeout=..., version=None):
        kwargs = {} if timeout is ... else {"timeout": timeout}
        try:
            return super().set_many(data, version=version, **kwargs)
        except UNREACHABLE as exc:
            _unreachable("set_many", exc)
            return list(data)

    def add(self, key, value, timeout=..., version=None):
        kwargs = {} if timeout is ... else {"timeout": timeout}
        try:
            return super().add(key, value, version=version, **kwargs)
        except UNREACHABLE as exc:
            _unreachable("add", exc)
            return True

    def touch(self, key, timeout=..., version=None):
        kwargs = {} if timeout is ... else {"timeout": timeout}
        try:
            return super().touch(key, version=version, **kwargs)
        except UNREACHABLE as exc:
            _unreachable("touch", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNREACHABLE as exc:
            _unreachable("delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except UNREACHABLE as exc:
            _unreachable("delete_many", exc)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE as exc:
            _unreachable("incr", exc)
            return delta

    def clear(self):
        try:
            return super().clear()
        except UNREACHABLE as exc:
            _unreachable("clear", exc)
            return False
