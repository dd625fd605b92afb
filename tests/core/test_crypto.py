"""Token encryption at rest: keys, rotation and refusals."""

from __future__ import annotations

import pytest

from core.crypto import TokenCipher, TokenDecryptError, new_key
from core.settings import SettingsError, load_settings

PASSPHRASE = "correct-horse-battery-staple-0123456789"


@pytest.mark.parametrize("key", [new_key(), PASSPHRASE])
def test_a_token_round_trips_and_is_not_readable(key: str) -> None:
    cipher = TokenCipher([key])
    sealed = cipher.encrypt("xoxb-123-secret")
    assert "xoxb" not in sealed and "secret" not in sealed
    assert cipher.decrypt(sealed) == "xoxb-123-secret"
    # Fernet is randomised: the same token never encrypts the same way twice.
    assert cipher.encrypt("xoxb-123-secret") != sealed


def test_keys_rotate_by_listing_the_new_one_first() -> None:
    old, new = TokenCipher([PASSPHRASE]), new_key()
    sealed = old.encrypt("xoxe.xoxb-rotating")
    both = TokenCipher([new, PASSPHRASE])
    assert both.decrypt(sealed) == "xoxe.xoxb-rotating"
    moved = both.rotate(sealed)
    assert TokenCipher([new]).decrypt(moved) == "xoxe.xoxb-rotating"
    with pytest.raises(TokenDecryptError):
        TokenCipher([new]).decrypt(sealed)


@pytest.mark.parametrize("stored", ["", "not-a-token", "gAAAAA" + "x" * 80, "é"])
def test_a_value_no_key_opens_is_a_clear_error(stored: str) -> None:
    with pytest.raises(TokenDecryptError):
        TokenCipher([PASSPHRASE]).decrypt(stored)


def test_oauth_needs_token_keys_and_says_how_to_make_one() -> None:
    settings = load_settings(slack_client_id="1.2", slack_client_secret="s", slack_state_secret="t")
    with pytest.raises(SettingsError) as missing:
        settings.require_for_serving()
    assert "LIAISON_TOKEN_KEYS is not set" in str(missing.value)
    assert "secrets.token_urlsafe" in str(missing.value)


@pytest.mark.parametrize("keys", ["short", f"{PASSPHRASE},tiny", f"{PASSPHRASE} x"])
def test_weak_or_malformed_token_keys_are_refused(keys: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(liaison_token_keys=keys)
    assert "LIAISON_TOKEN_KEYS is invalid" in str(refused.value)


def test_uninstall_policy_is_keep_or_purge() -> None:
    assert load_settings().liaison_uninstall_data == "keep"
    with pytest.raises(SettingsError) as refused:
        load_settings(liaison_uninstall_data="delete")
    assert "LIAISON_UNINSTALL_DATA" in str(refused.value)
