"""API keys in the service layer, on both databases: listed without secrets, revoked by id, prefix or name."""

from __future__ import annotations

import pytest

from hosho.service import keys
from hosho.service.context import Hosho, Role, ServiceError


def test_a_revoked_key_no_longer_authenticates_and_the_list_says_when(hosho: Hosho) -> None:
    keys.ensure_retailer(hosho, code="kaden-east", name="でんきのミライ 東日本")
    admin = keys.create_key(hosho, role=Role.ADMIN, name="hook")
    shop = keys.create_key(hosho, role=Role.RETAILER, name="店舗1", retailer="kaden-east")
    assert keys.authenticate(hosho, admin) is not None

    [(revoked, now)] = keys.revoke(hosho, admin)  # the whole key finds it too
    assert now and revoked.name == "hook" and revoked.revoked_at is not None
    assert keys.authenticate(hosho, admin) is None
    assert keys.authenticate(hosho, shop) is not None
    assert [(k.name, k.role, k.retailer, k.revoked_at is None) for k in keys.list_keys(hosho)] == [
        ("hook", "admin", None, False),
        ("店舗1", "retailer", "kaden-east", True),
    ]
    [(again, now)] = keys.revoke(hosho, str(revoked.id))
    assert not now and again.revoked_at == revoked.revoked_at


def test_a_name_two_live_keys_share_is_refused_and_the_demo_keys_go_together(hosho: Hosho) -> None:
    first = keys.create_key(hosho, role=Role.ADMIN, name="demo-admin")
    second = keys.create_key(hosho, role=Role.ADMIN, name="demo-admin")
    with pytest.raises(ServiceError) as refused:
        keys.revoke(hosho, "demo-admin")
    assert refused.value.code == "ambiguous"
    assert keys.revoke_named(hosho, "demo-admin") == 2
    assert keys.authenticate(hosho, first) is None and keys.authenticate(hosho, second) is None
    assert keys.revoke_named(hosho, "demo-admin") == 0
    with pytest.raises(ServiceError) as unknown:
        keys.revoke(hosho, "nobody")
    assert unknown.value.code == "not_found"
