"""The production password hasher (the other tests use a cheap one: tests/conftest.py)."""

from careplan.accounts import passwords
from tests.conftest import PRODUCTION_HASHER


def test_the_production_hasher_is_argon2id_at_the_rfc_9106_cost():
    assert (PRODUCTION_HASHER.time_cost, PRODUCTION_HASHER.memory_cost) == (3, 65536)
    assert PRODUCTION_HASHER.parallelism == 4
    stored = PRODUCTION_HASHER.hash("correct horse battery staple")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PRODUCTION_HASHER.verify(stored, "correct horse battery staple")


def test_stored_production_hashes_still_check_under_the_test_hasher():
    # Parameters travel in the hash: a production-cost hash checks whatever the hasher.
    stored = PRODUCTION_HASHER.hash("correct horse battery staple")
    assert passwords.check_password(stored, "correct horse battery staple")
    assert not passwords.check_password(stored, "wrong horse battery staple")
