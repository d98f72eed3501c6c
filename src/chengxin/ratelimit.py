"""Per-address rate limits for sign-in and public endpoints (sliding one-minute window)."""

from __future__ import annotations

import time
from collections import deque

from chengxin.errors import DomainError

WINDOW_SECONDS = 60.0
MAX_KEYS = 50_000  # addresses remembered per limiter; beyond it the oldest windows are dropped


class RateLimiter:
    """At most `per_minute` hits per key in any 60 s; in-process (one per application)."""

    def __init__(self, per_minute: int, code: str, message: str) -> None:
        self.per_minute = per_minute
        self.code, self.message = code, message
        self.hits: dict[str, deque[float]] = {}

    def hit(self, key: str | None, now: float | None = None) -> None:
        """Count a hit; raise 429 with Retry-After when the key is over its limit."""
        if self.per_minute <= 0:
            return
        now = time.monotonic() if now is None else now
        window = self.hits.get(key or "")
        if window is None:
            if len(self.hits) >= MAX_KEYS:
                self.hits.clear()
            window = self.hits[key or ""] = deque()
        while window and window[0] <= now - WINDOW_SECONDS:
            window.popleft()
        if len(window) >= self.per_minute:
            retry = max(1, int(window[0] + WINDOW_SECONDS - now) + 1)
            raise DomainError(self.code, self.message, 429, retry_after=retry)
        window.append(now)


    def check(self, key: str | None, now: float | None = None) -> None:
        """Raise 429 when the key is over its limit, without counting a hit (for limits on failures:
        the failures are counted with `hit`, and every request checks first)."""
        if self.per_minute <= 0:
            return
        now = time.monotonic() if now is None else now
        window = self.hits.get(key or "")
        while window and window[0] <= now - WINDOW_SECONDS:
            window.popleft()
        if window is not None and len(window) >= self.per_minute:
            raise DomainError(self.code, self.message, 429,
                              retry_after=max(1, int(window[0] + WINDOW_SECONDS - now) + 1))


def login_limiter(per_minute: int) -> RateLimiter:
    return RateLimiter(per_minute, "RATE_LIMITED_LOGIN", "登录尝试过于频繁，请稍后再试")


def public_limiter(per_minute: int) -> RateLimiter:
    return RateLimiter(per_minute, "RATE_LIMITED", "请求过于频繁，请稍后再试")


def tipoff_limiter(per_minute: int) -> RateLimiter:
    return RateLimiter(per_minute, "RATE_LIMITED_TIPOFF", "举报提交或查询过于频繁，请稍后再试")


def refusal_limiter(per_minute: int = 30) -> RateLimiter:
    """Requests to the exchange's node routes refused (bad signature, tampered, unknown sender) per
    address: past the limit, the address is refused at once and nothing more is recorded."""
    return RateLimiter(per_minute, "RATE_LIMITED_EXCHANGE", "被拒收的交换请求过于频繁，请稍后再试")
