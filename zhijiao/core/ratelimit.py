"""Abuse counters shared by every worker: sliding windows and one-time CAPTCHA answers in Redis.

Every served mode keeps these counters in Redis (``REDIS_URL``; ``make serve`` starts or finds one),
so a limit holds whatever the number of workers or hosts. Without ``REDIS_URL`` (tests, ``make
demo``) they live in this process's memory — a system check warns when that happens with debug off.

Counters are sliding logs (a sorted set of timestamps per key, trimmed to the window): "at most N
in the last W seconds", without the fixed-window edge where 2N pass around a boundary. The
public lookup's whole decision — count the request, read the misses, check a CAPTCHA answer,
record a miss — is ONE Lua script, so a lookup costs one Redis round trip (``verify_gate``).
"""

from __future__ import annotations

import itertools
import os
import secrets
import threading
import time
from dataclasses import dataclass

from django.conf import settings

# --- the Lua scripts -----------------------------------------------------------------------------------
# KEYS: requests, misses, captcha. ARGV: now_ms, window_ms, limit, miss_window_ms, challenge_after,
# is_miss (0/1), captcha answer ("" = none given), a unique member.
# Returns {state, requests, misses, retry_after_ms}; state: 1 allowed, 2 allowed after a correct
# CAPTCHA, 3 CAPTCHA required, 4 CAPTCHA answer wrong, 0 over the limit (not counted).
_GATE_LUA = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local retry = window
  if oldest[2] then retry = window - (now - tonumber(oldest[2])) end
  return {0, count, 0, retry}
end
redis.call('ZADD', KEYS[1], now, ARGV[8])
redis.call('PEXPIRE', KEYS[1], window)
local mwin = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - mwin)
local misses = redis.call('ZCARD', KEYS[2])
local state = 1
if misses >= tonumber(ARGV[5]) then
  local answer = ARGV[7]
  if answer == '' then return {3, count + 1, misses, 0} end
  local expected = redis.call('GET', KEYS[3])
  redis.call('DEL', KEYS[3])
  if (not expected) or expected ~= answer then return {4, count + 1, misses, 0} end
  redis.call('DEL', KEYS[2])
  misses = 0
  state = 2
end
if ARGV[6] == '1' then
  redis.call('ZADD', KEYS[2], now, ARGV[8])
  redis.call('PEXPIRE', KEYS[2], mwin)
  misses = misses + 1
end
return {state, count + 1, misses, 0}
"""

# KEYS: the logs. ARGV: now_ms, then per key: window_ms, add (0/1). Returns the count of each log.
_HITS_LUA = """
local now = tonumber(ARGV[1])
local out = {}
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if ARGV[2 * i + 1] == '1' then
    redis.call('ZADD', key, now, ARGV[#ARGV])
    redis.call('PEXPIRE', key, window)
  end
  out[i] = redis.call('ZCARD', key)
end
return out
"""

ALLOWED, ALLOWED_AFTER_CAPTCHA, CAPTCHA_REQUIRED, CAPTCHA_WRONG, LIMITED = 1, 2, 3, 4, 0


@dataclass(frozen=True)
class Gate:
    state: int
    requests: int
    misses: int
    retry_after: int  # seconds

    @property
    def allowed(self) -> bool:
        return self.state in (ALLOWED, ALLOWED_AFTER_CAPTCHA)


def _prefix() -> str:
    return getattr(settings, "RATELIMIT_PREFIX", "zj:rl:")


_SEQUENCE = itertools.count()
_PROCESS = f"{os.getpid():x}-{secrets.token_hex(2)}"


def _member() -> str:
    """A unique member for a sorted-set entry (cheaper than random bytes on the hot path)."""
    return f"{_PROCESS}-{next(_SEQUENCE)}"


# --- backends --------------------------------------------------------------------------------------------
class RedisBackend:
    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._gate = self.client.register_script(_GATE_LUA)
        self._hits = self.client.register_script(_HITS_LUA)

    def gate(self, keys, args) -> list[int]:
        return [int(x) for x in self._gate(keys=keys, args=args)]

    def hits(self, keys, args) -> list[int]:
        return [int(x) for x in self._hits(keys=keys, args=args)]

    def set(self, key: str, value: str, ttl: int) -> None:
        self.client.set(key, value, ex=ttl)

    def take(self, key: str) -> str | None:
        pipe = self.client.pipeline()
        pipe.get(key)
        pipe.delete(key)
        value, _deleted = pipe.execute()
        return value.decode() if value is not None else None

    def delete(self, *keys: str) -> None:
        if keys:
            self.client.delete(*keys)

    def clear(self) -> None:
        for key in self.client.scan_iter(match=_prefix() + "*", count=1000):
            self.client.delete(key)


class MemoryBackend:
    """The same semantics in this process (tests, ``make demo`` without Redis)."""

    def __init__(self):
        self.logs: dict[str, list[tuple[float, str]]] = {}
        self.values: dict[str, tuple[str, float]] = {}
        self.lock = threading.Lock()

    def _trim(self, key: str, now: float, window: float) -> list:
        log = [e for e in self.logs.get(key, []) if e[0] > now - window]
        self.logs[key] = log
        return log

    def _get(self, key: str, now: float) -> str | None:
        value = self.values.get(key)
        if value is None or value[1] < now:
            self.values.pop(key, None)
            return None
        return value[0]

    def gate(self, keys, args) -> list[int]:
        now, window, limit, mwin, after, is_miss, answer, member = args
        now, window, mwin = float(now), float(window), float(mwin)
        with self.lock:
            log = self._trim(keys[0], now, window)
            if len(log) >= int(limit):
                return [LIMITED, len(log), 0, int(window - (now - log[0][0]))]
            log.append((now, member))
            misses = self._trim(keys[1], now, mwin)
            state = ALLOWED
            if len(misses) >= int(after):
                if not answer:
                    return [CAPTCHA_REQUIRED, len(log), len(misses), 0]
                expected = self._get(keys[2], now)
                self.values.pop(keys[2], None)
                if expected is None or expected != answer:
                    return [CAPTCHA_WRONG, len(log), len(misses), 0]
                misses.clear()
                state = ALLOWED_AFTER_CAPTCHA
            if str(is_miss) == "1":
                misses.append((now, member))
            return [state, len(log), len(misses), 0]

    def hits(self, keys, args) -> list[int]:
        now, member = float(args[0]), args[-1]
        out = []
        with self.lock:
            for i, key in enumerate(keys):
                window, add = float(args[1 + 2 * i]), str(args[2 + 2 * i])
                log = self._trim(key, now, window)
                if add == "1":
                    log.append((now, member))
                out.append(len(log))
        return out

    def set(self, key: str, value: str, ttl: int) -> None:
        with self.lock:
            self.values[key] = (value, time.time() * 1000 + ttl * 1000)

    def take(self, key: str) -> str | None:
        with self.lock:
            value = self._get(key, time.time() * 1000)
            self.values.pop(key, None)
            return value

    def delete(self, *keys: str) -> None:
        with self.lock:
            for key in keys:
                self.logs.pop(key, None)
                self.values.pop(key, None)

    def clear(self) -> None:
        with self.lock:
            self.logs.clear()
            self.values.clear()


_backend = None
_backend_key = None


def backend():
    """Redis when ``REDIS_URL`` is set (and ``RATELIMIT_BACKEND`` is not "memory"), else memory."""
    global _backend, _backend_key
    url = getattr(settings, "REDIS_URL", "") or ""
    kind = getattr(settings, "RATELIMIT_BACKEND", "")
    key = (url, kind)
    if _backend is None or _backend_key != key:
        _backend = RedisBackend(url) if url and kind != "memory" else MemoryBackend()
        _backend_key = key
    return _backend


def is_shared() -> bool:
    return isinstance(backend(), RedisBackend)


def client_address(request) -> str:
    """REMOTE_ADDR, or behind our own reverse proxy (``CREDENTIALS_TRUST_X_FORWARDED_FOR``) the address
    that proxy appended last to X-Forwarded-For (earlier entries are client-controlled)."""
    if getattr(settings, "CREDENTIALS_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "") or ""


def _now_ms() -> int:
    return int(time.time() * 1000)


# --- the operations ------------------------------------------------------------------------------------
def verify_gate(
    client: str,
    *,
    limit: int,
    window: int,
    miss_window: int,
    challenge_after: int,
    is_miss: bool,
    captcha_token: str = "",
    captcha_answer: str = "",
) -> Gate:
    """The public lookup's decision in one round trip: the request is counted in the client's
    sliding window (refused over ``limit``); with ``challenge_after`` misses or more in
    ``miss_window`` a correct CAPTCHA answer is needed (and clears the misses); a miss is recorded."""
    p = _prefix()
    token = captcha_token if captcha_token and captcha_token.isalnum() and len(captcha_token) <= 64 else "-"
    keys = [p + "v:req:" + client, p + "v:miss:" + client, p + "cap:" + token]
    args = [
        _now_ms(), window * 1000, limit, miss_window * 1000, challenge_after, "1" if is_miss else "0",
        captcha_answer.strip().upper()[:16] if captcha_answer else "", _member(),
    ]  # fmt: skip
    state, requests, misses, retry = backend().gate(keys, args)
    return Gate(state, requests, misses, max(1, (retry + 999) // 1000) if state == LIMITED else 0)


def hits(counters: list[tuple[str, int, bool]]) -> list[int]:
    """Sliding-window counts for ``(key, window seconds, add this event)`` triples, one round trip."""
    p = _prefix()
    keys = [p + key for key, _window, _add in counters]
    args: list = [_now_ms()]
    for _key, window, add in counters:
        args += [window * 1000, "1" if add else "0"]
    args.append(_member())
    return backend().hits(keys, args)


def reset(*keys: str) -> None:
    backend().delete(*(_prefix() + key for key in keys))


# --- CAPTCHA answers -----------------------------------------------------------------------------------
CAPTCHA_TTL = 300


def captcha_new(answer: str) -> str:
    """Store a CAPTCHA's answer under a new random token (one try, five minutes)."""
    token = secrets.token_hex(16)
    backend().set(f"{_prefix()}cap:{token}", answer.upper(), CAPTCHA_TTL)
    return token


def captcha_check(token: str, answer: str) -> bool:
    """One try per CAPTCHA: the stored answer is dropped whatever the outcome."""
    if not token or not token.isalnum() or len(token) > 64:
        return False
    expected = backend().take(f"{_prefix()}cap:{token}")
    return expected is not None and secrets.compare_digest(expected, (answer or "").strip().upper()[:16])


def clear_all() -> None:
    """Forget every counter and CAPTCHA of this prefix (tests)."""
    backend().clear()


__all__ = [
    "ALLOWED",
    "ALLOWED_AFTER_CAPTCHA",
    "CAPTCHA_REQUIRED",
    "CAPTCHA_WRONG",
    "LIMITED",
    "Gate",
    "backend",
    "captcha_check",
    "captcha_new",
    "clear_all",
    "client_address",
    "hits",
    "is_shared",
    "reset",
    "verify_gate",
]
