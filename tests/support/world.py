"""Shared set-up for the filing tests (no tests here): two units, cadres, supervisors, an admin."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.filing.service import FilingService
from bot.filing.workdays import WorkCalendar
from bot.i18n import Catalogue
from bot.users import UserService
from storage.sqlite.storage import SqliteStorage
from tests.support.clock import ManualClock

# Monday 2 March 2026, 09:00 in China.
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

CADRE_A, CADRE_A2, CADRE_B = 101, 102, 201
SUP_A1, SUP_A2, SUP_B = 111, 112, 211
ADMIN = 900

REQUEST = {
    "what_happened": "暴雨夜紧急采购抽水泵，未经比价直接购买。",
    "when_where": "2026年2月27日夜，东区三号小区",
    "consequences": "采购价格高于市场价约两千元。",
    "motive": "小区地下室进水，居民财产面临损失，来不及比价。",
    "remedy": "事后补办手续并向街道说明情况。",
}


_CATALOGUE = Catalogue()


def texts(locale: str, key: str, **values: object) -> str:
    """A stand-in catalogue: the key and the values, so tests can see what was sent.

    It also checks the key against the real catalogue, the one source of text: the key exists in
    every locale and every placeholder its templates use is passed, so no message can fail on a
    missing value.
    """
    for locale in ("zh", "en"):
        assert key in _CATALOGUE.keys(locale), f"catalogue key {key} missing from {locale}.yaml"
        missing = Catalogue.placeholders(_CATALOGUE.raw(locale, key)) - set(values)
        assert not missing, f"{locale}:{key}: placeholders {missing} not passed"
    return f"{key}|{json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)}"


class RecordingNotifier:
    """Writes to the real outbox, like bot.transport.notifier.Notifier, without touching telegram."""

    def __init__(self, storage: SqliteStorage) -> None:
        self.storage = storage

    async def enqueue(self, chat_id, text, markup=None, dedup_key=None) -> bool:
        encoded = json.dumps(markup) if markup is not None else None
        return await self.storage.outbox.enqueue(chat_id, text, encoded, dedup_key)


@dataclass
class World:
    storage: SqliteStorage
    users: UserService
    service: FilingService
    clock: ManualClock
    path: Path

    async def outbox(self) -> list[tuple[int, str]]:
        rows = await self.storage.db.fetchall("SELECT chat_id, text FROM outbox ORDER BY id")
        return [(r[0], r[1]) for r in rows]

    async def outbox_keys(self, chat_id: int) -> list[str]:
        return [text.split("|", 1)[0] for cid, text in await self.outbox() if cid == chat_id]

    async def clear_outbox(self) -> None:
        await self.storage.db.execute("DELETE FROM outbox")


def make_service(storage: SqliteStorage, users: UserService, clock: ManualClock, **kwargs) -> FilingService:
    return FilingService(
        storage, users, RecordingNotifier(storage), texts, clock=clock, calendar=WorkCalendar.from_yaml(), **kwargs
    )


async def make_world(tmp_path: Path, **kwargs) -> World:
    path = tmp_path / "t.sqlite3"
    storage = await SqliteStorage.open(path)
    users = UserService(storage)
    await users.add(CADRE_A, "cadre", "东区", display_name="张三", seconded=True)
    await users.add(CADRE_A2, "cadre", "东区", display_name="李四")
    await users.add(CADRE_B, "cadre", "西区", display_name="王五", seconded=True)
    await users.add(SUP_A1, "supervisor", "东区", display_name="赵主任")
    await users.add(SUP_A2, "supervisor", "东区", display_name="钱书记")
    await users.add(SUP_B, "supervisor", "西区", display_name="孙主任")
    await users.add(ADMIN, "admin", None, display_name="管理员")
    clock = ManualClock(START)
    return World(storage, users, make_service(storage, users, clock, **kwargs), clock, path)


BOUNDS_OK = {"law": True, "org_interest": True, "others_rights": True}
REASON = "情况紧急，出于公心，事后及时报告并挽回损失，符合容错条件。"
