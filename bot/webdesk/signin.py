"""Sign-in without passwords: the chat hands out a one-time link, the link opens a signed session.

Tokens and sessions live in this process only: the desk is served by the bot's own process, so a
restart signs everyone out, which is the safe direction. Only hashes of link tokens are kept, so a
memory dump of the store cannot be replayed as a link. Every lookup of a session reloads the user,
so a deactivated user or one who lost the supervising role is out at their next request, and all
their sessions are dropped then (``revoke_user`` does it at once for callers that know).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.filing.workdays import Clock, SystemClock
from bot.users import SUPERVISING, UserService
from storage.records import User

LINK_LIFETIME = timedelta(minutes=5)


class WebDeskError(Exception):
    """A refused sign-in step; ``key`` names the catalogue message."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class WebSession:
    id: str
    telegram_id: int
    expires: datetime
    csrf: str


@dataclass
class _Link:
    telegram_id: int
    expires: datetime


@dataclass
class SignInLimiter:
    """At most ``attempts`` sign-in tries per client in ``window``: link tokens cannot be guessed in bulk."""

    attempts: int = 10
    window: timedelta = timedelta(minutes=1)
    _seen: dict[str, deque[datetime]] = field(default_factory=dict)

    def allow(self, client: str, now: datetime) -> bool:
        seen = self._seen.setdefault(client, deque())
        while seen and now - seen[0] >= self.window:
            seen.popleft()
        if len(seen) >= self.attempts:
            return False
        seen.append(now)
        return True


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class WebDesk:
    def __init__(
        self,
        users: UserService,
        secret: bytes,
        *,
        session_lifetime: timedelta,
        clock: Clock | None = None,
        limiter: SignInLimiter | None = None,
    ) -> None:
        self.users = users
        self._secret = secret
        self.session_lifetime = session_lifetime
        self.clock = clock or SystemClock()
        self.limiter = limiter or SignInLimiter()
        self._links: dict[str, _Link] = {}
        self._sessions: dict[str, WebSession] = {}
        # The language chosen on the desk, per session; without a choice the user's chat language.
        self._locales: dict[str, str] = {}

    async def _supervising(self, telegram_id: int) -> User:
        user = await self.users.get(telegram_id)
        if user is None:
            raise WebDeskError("common.not_registered")
        if not user.active:
            raise WebDeskError("common.deactivated")
        if user.role not in SUPERVISING:
            raise WebDeskError("web.cadres_use_chat")
        return user

    async def issue_link(self, telegram_id: int) -> str:
        """A one-time token for ``telegram_id``, valid for five minutes; any earlier unused one dies."""
        await self._supervising(telegram_id)
        now = self.clock.now()
        self._links = {
            h: link for h, link in self._links.items() if link.expires > now and link.telegram_id != telegram_id
        }
        token = secrets.token_urlsafe(32)
        self._links[_digest(token)] = _Link(telegram_id, now + LINK_LIFETIME)
        return token

    async def redeem(self, token: str, client: str) -> tuple[str, WebSession]:
        """The signed cookie value and the session a link opens; the link is spent whatever follows."""
        now = self.clock.now()
        if not self.limiter.allow(client, now):
            raise WebDeskError("web.slow_down")
        link = self._links.pop(_digest(token), None)
        if link is None or link.expires <= now:
            raise WebDeskError("web.link_invalid")
        await self._supervising(link.telegram_id)
        session = WebSession(
            id=secrets.token_urlsafe(32),
            telegram_id=link.telegram_id,
            expires=now + self.session_lifetime,
            csrf=secrets.token_urlsafe(32),
        )
        self._sessions[session.id] = session
        return self._sign(session.id), session

    def _sign(self, session_id: str) -> str:
        mac = hmac.new(self._secret, session_id.encode(), hashlib.sha256).hexdigest()
        return f"{session_id}.{mac}"

    def _unsign(self, cookie: str) -> str | None:
        session_id = cookie.rpartition(".")[0]
        if not session_id or not hmac.compare_digest(self._sign(session_id), cookie):
            return None
        return session_id

    async def session(self, cookie: str | None) -> tuple[User, WebSession] | None:
        """The user and session behind a cookie, or None when forged, expired, ended or no longer allowed."""
        session_id = self._unsign(cookie) if cookie else None
        session = self._sessions.get(session_id) if session_id else None
        if session is None:
            return None
        if session.expires <= self.clock.now():
            self._sessions.pop(session.id, None)
            self._locales.pop(session.id, None)
            return None
        try:
            user = await self._supervising(session.telegram_id)
        except WebDeskError:
            self.revoke_user(session.telegram_id)
            return None
        return user, session

    @staticmethod
    def csrf_ok(session: WebSession, submitted: str | None) -> bool:
        return bool(submitted) and hmac.compare_digest(session.csrf, submitted or "")

    def logout(self, session: WebSession) -> None:
        self._sessions.pop(session.id, None)
        self._locales.pop(session.id, None)

    def locale(self, session: WebSession) -> str | None:
        return self._locales.get(session.id)

    def set_locale(self, session: WebSession, locale: str) -> None:
        if session.id in self._sessions:
            self._locales[session.id] = locale

    def revoke_user(self, telegram_id: int) -> int:
        """End every session of one user; how many there were."""
        ended = [sid for sid, s in self._sessions.items() if s.telegram_id == telegram_id]
        for sid in ended:
            del self._sessions[sid]
            self._locales.pop(sid, None)
        return len(ended)
