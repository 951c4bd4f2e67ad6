"""`UserStore`: dashboard users (roles viewer < analyst < responder < admin) and their saved searches.

Only password *hashes* are stored (argon2 or bcrypt strings produced by the dashboard); a value that does not
look like one is refused, so a plain-text password can never be saved by mistake.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerting.store._base import SYSTEM_ACTOR, StoreBase, now_utc, require_text
from alerting.store.errors import NotFoundError, ValidationError
from alerting.store.models import Role, SavedSearch, User

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}[a-z0-9]$")
HASH_PREFIXES = ("$argon2id$", "$argon2i$", "$argon2d$", "$2a$", "$2b$", "$2y$")


def _role(role: str) -> str:
    if role not in Role.__members__:
        raise ValidationError(f"vai trò {role!r} không hợp lệ ({', '.join(Role)})")
    return role


def _hash(password_hash: str) -> str:
    if not isinstance(password_hash, str) or not password_hash.startswith(HASH_PREFIXES) \
            or len(password_hash) > 255:
        raise ValidationError("mật khẩu phải được lưu dưới dạng chuỗi băm argon2 hoặc bcrypt "
                              "(bắt đầu bằng $argon2id$ hoặc $2b$...), không lưu mật khẩu gốc")
    return password_hash


class UserStore(StoreBase):
    def create_user(self, username: str, *, role: str, password_hash: str, display_name: str | None = None,
                    by: str = SYSTEM_ACTOR, now: datetime | None = None) -> User:
        when = now_utc(now)
        username = username.strip().lower() if isinstance(username, str) else username
        if not isinstance(username, str) or not USERNAME_RE.match(username):
            raise ValidationError(f"tên đăng nhập {username!r} không hợp lệ: 3–64 ký tự a-z, 0-9, '.', '_', '-'")
        _role(role)
        _hash(password_hash)
        display = require_text(display_name or username, "tên hiển thị", 200)

        def work(session: Session) -> User:
            if session.scalar(select(User.id).where(User.username == username)) is not None:
                raise ValidationError(f"tên đăng nhập '{username}' đã tồn tại")
            user = User(username=username, display_name=display, role=role, password_hash=password_hash,
                        disabled=False, created_at=when)
            session.add(user)
            session.flush()
            self._audit(session, at=when, actor=by, action="user.created", object_type="user", object_id=username,
                        details={"role": role})
            return user
        return self._transaction(work)

    def get_user_by_username(self, username: str) -> User | None:
        with self._sessions() as session:
            return session.scalar(select(User).where(User.username == username.strip().lower()))

    def list_users(self, *, include_disabled: bool = True) -> list[User]:
        query = select(User).order_by(User.username)
        if not include_disabled:
            query = query.where(User.disabled.is_(False))
        with self._sessions() as session:
            return list(session.scalars(query))

    def set_password_hash(self, username: str, password_hash: str, *, by: str,
                          now: datetime | None = None) -> User:
        when = now_utc(now)
        _hash(password_hash)

        def work(session: Session) -> User:
            user = self._user(session, username)
            user.password_hash = password_hash
            self._audit(session, at=when, actor=by, action="user.password_changed", object_type="user",
                        object_id=user.username)
            return user
        return self._transaction(work)

    def set_role(self, username: str, role: str, *, by: str, now: datetime | None = None) -> User:
        when = now_utc(now)
        _role(role)

        def work(session: Session) -> User:
            user = self._user(session, username)
            previous, user.role = user.role, role
            self._audit(session, at=when, actor=by, action="user.role_changed", object_type="user",
                        object_id=user.username, details={"role": role, "previous": previous})
            return user
        return self._transaction(work)

    def disable(self, username: str, *, by: str, now: datetime | None = None) -> User:
        return self._set_disabled(username, True, by, now)

    def enable(self, username: str, *, by: str, now: datetime | None = None) -> User:
        return self._set_disabled(username, False, by, now)

    def _set_disabled(self, username: str, disabled: bool, by: str, now: datetime | None) -> User:
        when = now_utc(now)

        def work(session: Session) -> User:
            user = self._user(session, username)
            user.disabled = disabled
            self._audit(session, at=when, actor=by, action="user.disabled" if disabled else "user.enabled",
                        object_type="user", object_id=user.username)
            return user
        return self._transaction(work)

    # --- saved searches --------------------------------------------------------------------------------------
    def save_search(self, username: str, name: str, query: str, filters: dict[str, Any] | None = None, *,
                    now: datetime | None = None) -> SavedSearch:
        """Create or replace the user's saved search called `name`."""
        when = now_utc(now)
        name = require_text(name, "tên tìm kiếm đã lưu", 200)
        if not isinstance(query, str):
            raise ValidationError("câu truy vấn phải là chuỗi")
        if filters is not None and not isinstance(filters, dict):
            raise ValidationError("bộ lọc phải là một đối tượng JSON")

        def work(session: Session) -> SavedSearch:
            user = self._user(session, username)
            row = session.scalar(select(SavedSearch).where(SavedSearch.user_id == user.id, SavedSearch.name == name))
            action = "saved_search.updated"
            if row is None:
                row = SavedSearch(user_id=user.id, name=name, created_at=when)
                session.add(row)
                action = "saved_search.created"
            row.query, row.filters, row.updated_at = query, filters or {}, when
            session.flush()
            self._audit(session, at=when, actor=user.username, action=action, object_type="saved_search",
                        object_id=row.id, details={"name": name, "query": query})
            return row
        return self._transaction(work, retries=2)

    def list_saved_searches(self, username: str) -> list[SavedSearch]:
        with self._sessions() as session:
            user = self._user(session, username)
            return list(session.scalars(select(SavedSearch).where(SavedSearch.user_id == user.id)
                                        .order_by(SavedSearch.name)))

    def delete_saved_search(self, username: str, name: str, *, now: datetime | None = None) -> None:
        when = now_utc(now)

        def work(session: Session) -> None:
            user = self._user(session, username)
            row = session.scalar(select(SavedSearch).where(SavedSearch.user_id == user.id, SavedSearch.name == name))
            if row is None:
                raise NotFoundError(f"Người dùng '{user.username}' không có tìm kiếm đã lưu tên '{name}'")
            self._audit(session, at=when, actor=user.username, action="saved_search.deleted",
                        object_type="saved_search", object_id=row.id, details={"name": name})
            session.delete(row)
        self._transaction(work)

    @staticmethod
    def _user(session: Session, username: str) -> User:
        user = session.scalar(select(User).where(User.username == username.strip().lower()))
        if user is None:
            raise NotFoundError(f"Không có người dùng '{username}'")
        return user
