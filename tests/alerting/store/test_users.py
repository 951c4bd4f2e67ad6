from __future__ import annotations

import pytest

from alerting.store.errors import NotFoundError, ValidationError
from alerting.store.users import UserStore

ARGON = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
BCRYPT = "$2b$12$KIXQJ1ePz3m2vZbq9Y0u5uS3H4QbqvX7a6m1k2l3n4o5p6q7r8s9t"


def test_users_are_created_found_changed_and_disabled(users: UserStore) -> None:
    user = users.create_user("Lan.Nguyen", role="analyst", password_hash=ARGON, display_name="Nguyễn Thị Lan",
                             by="admin")
    assert (user.username, user.display_name, user.role, user.disabled) == ("lan.nguyen", "Nguyễn Thị Lan",
                                                                            "analyst", False)
    assert users.get_user_by_username("LAN.NGUYEN").id == user.id
    assert users.get_user_by_username("nobody") is None
    assert users.set_password_hash("lan.nguyen", BCRYPT, by="lan.nguyen").password_hash == BCRYPT
    assert users.set_role("lan.nguyen", "responder", by="admin").role == "responder"
    users.create_user("admin", role="admin", password_hash=ARGON)
    assert users.disable("lan.nguyen", by="admin").disabled is True
    assert [u.username for u in users.list_users()] == ["admin", "lan.nguyen"]
    assert [u.username for u in users.list_users(include_disabled=False)] == ["admin"]
    assert users.enable("lan.nguyen", by="admin").disabled is False


def test_invalid_users_are_refused(users: UserStore) -> None:
    users.create_user("lan", role="viewer", password_hash=ARGON)
    with pytest.raises(ValidationError, match="'lan' đã tồn tại"):
        users.create_user("LAN", role="viewer", password_hash=ARGON)
    with pytest.raises(ValidationError, match="vai trò 'root'"):
        users.create_user("minh", role="root", password_hash=ARGON)
    with pytest.raises(ValidationError, match="không lưu mật khẩu gốc"):
        users.create_user("minh", role="viewer", password_hash="matkhau123")
    with pytest.raises(ValidationError, match="tên đăng nhập"):
        users.create_user("a b", role="viewer", password_hash=ARGON)
    with pytest.raises(NotFoundError, match="'minh'"):
        users.disable("minh", by="admin")


def test_saved_searches_crud(users: UserStore) -> None:
    users.create_user("lan", role="analyst", password_hash=ARGON)
    created = users.save_search("lan", "Rút một lần - HCM", "rut mot lan", {"province": "Thành phố Hồ Chí Minh"})
    assert created.filters == {"province": "Thành phố Hồ Chí Minh"}
    replaced = users.save_search("lan", "Rút một lần - HCM", "rút một lần OR \"rút 1 lần\"")
    assert replaced.id == created.id and replaced.filters == {}
    users.save_search("lan", "Lừa đảo VssID", "vssid AND (giả mạo OR lừa đảo)")
    assert [s.name for s in users.list_saved_searches("lan")] == ["Lừa đảo VssID", "Rút một lần - HCM"]
    users.delete_saved_search("lan", "Lừa đảo VssID")
    assert [s.name for s in users.list_saved_searches("lan")] == ["Rút một lần - HCM"]
    with pytest.raises(NotFoundError, match="Lừa đảo VssID"):
        users.delete_saved_search("lan", "Lừa đảo VssID")
    with pytest.raises(ValidationError, match="tên tìm kiếm"):
        users.save_search("lan", "  ", "x")
