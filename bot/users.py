"""Registration, roles and units: who may do what, decided here and nowhere else."""

from __future__ import annotations

import secrets

from storage.protocols import Storage
from storage.records import ROLES, Invite, Role, Unit, User

# Who may file tolerance requests, pre-registrations and feedback (admins keep the system instead).
FILERS = frozenset({Role.CADRE, Role.SUPERVISOR})
# Who reviews and decides filings.
SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})


class UserError(Exception):
    """A refused user operation; ``key`` names the catalogue message to show."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class UserService:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def get(self, telegram_id: int) -> User | None:
        return await self.storage.users.get(telegram_id)

    async def active(self, telegram_id: int) -> User | None:
        user = await self.storage.users.get(telegram_id)
        return user if user and user.active else None

    async def unit(self, name: str) -> Unit:
        name = name.strip()
        if not name or len(name) > 64:
            raise UserError("users.bad_unit")
        return await self.storage.units.get_or_create(name)

    async def ensure_admins(self, admin_ids: list[int]) -> None:
        for telegram_id in admin_ids:
            current = await self.storage.users.get(telegram_id)
            if current is None or current.role != Role.ADMIN or not current.active:
                async with self.storage.transaction():
                    await self.storage.users.upsert(telegram_id, Role.ADMIN, current.unit_id if current else None)
                    await self.storage.audit.append(None, "user.admin_from_config", str(telegram_id), {})

    async def add(
        self,
        telegram_id: int,
        role: str,
        unit_name: str | None,
        *,
        actor: int | None = None,
        display_name: str = "",
        seconded: bool | None = None,
    ) -> User:
        """Register or change a user; ``seconded=None`` keeps what the user had."""
        checked = _role(role)
        unit = await self.unit(unit_name) if unit_name else None
        if checked != "admin" and unit is None:
            raise UserError("users.unit_required")
        if seconded is None:
            existing = await self.storage.users.get(telegram_id)
            seconded = existing.seconded if existing else False
        async with self.storage.transaction():
            user = await self.storage.users.upsert(
                telegram_id, checked, unit.id if unit else None, display_name, seconded=seconded
            )
            await self.storage.audit.append(
                actor, "user.role", str(telegram_id), {"role": checked, "unit": unit_name, "seconded": seconded}
            )
        return user

    async def deactivate(self, telegram_id: int, *, actor: int | None) -> None:
        if await self.storage.users.get(telegram_id) is None:
            raise UserError("users.unknown", id=telegram_id)
        async with self.storage.transaction():
            await self.storage.users.set_active(telegram_id, False)
            await self.storage.audit.append(actor, "user.deactivate", str(telegram_id), {})

    async def invite(self, role: str, unit_name: str | None, *, actor: int | None) -> Invite:
        checked = _role(role)
        if checked == "admin":
            raise UserError("users.no_admin_invites")
        if not unit_name:
            raise UserError("users.unit_required")
        unit = await self.unit(unit_name)
        code = secrets.token_urlsafe(9).replace("-", "x").replace("_", "y")
        async with self.storage.transaction():
            invite = await self.storage.invites.create(code, checked, unit.id, actor)
            await self.storage.audit.append(actor, "invite.create", code, {"role": checked, "unit": unit.name})
        return invite

    async def redeem(self, code: str, telegram_id: int, display_name: str) -> User:
        if not code or len(code) > 64 or not code.isascii() or not code.replace("-", "").replace("_", "").isalnum():
            raise UserError("start.bad_code")
        async with self.storage.transaction():
            invite = await self.storage.invites.redeem(code, telegram_id)
            if invite is None:
                raise UserError("start.bad_code")
            existing = await self.storage.users.get(telegram_id)
            if existing and existing.role == "admin":
                # An admin keeps their role; the code is spent so it cannot be reused.
                return existing
            user = await self.storage.users.upsert(
                telegram_id,
                invite.role,
                invite.unit_id,
                display_name,
                seconded=existing.seconded if existing else False,
            )
            await self.storage.audit.append(
                telegram_id, "user.register", str(telegram_id), {"role": invite.role, "unit": invite.unit_name}
            )
        return user

    async def list(self) -> list[User]:
        return await self.storage.users.all()

    async def supervisors_of(self, unit_id: int | None) -> list[User]:
        """Supervisors responsible for a unit: its own, else those of the nearest parent unit."""
        while unit_id is not None:
            found = await self.storage.users.in_units([unit_id], Role.SUPERVISOR)
            if found:
                return found
            unit = await self.storage.units.by_id(unit_id)
            unit_id = unit.parent_id if unit else None
        return []

    async def visible_units(self, user: User) -> list[int] | None:
        """Unit ids whose filings a user may see; None means all (admins)."""
        if user.role == "admin":
            return None
        if user.role == "supervisor" and user.unit_id is not None:
            return await self.storage.units.descendants(user.unit_id)
        return []


def _role(role: str) -> Role:
    if role not in ROLES:
        raise UserError("users.bad_role", role=role)
    return Role(role)
