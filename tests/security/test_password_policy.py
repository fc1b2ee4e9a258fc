"""Issue 11, item 5: the password policy refuses common passwords and their variants, keyboard walks
and the platform's name, in Chinese; Django's own validators speak Chinese too."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from zhijiao.accounts.validators import common_passwords, keyboard_walk_share, password_variants


@pytest.mark.parametrize(
    "password",
    [
        "P@ssw0rd2024",
        "1qaz@WSX3edc",
        "Zhijiao@2021",
        "Woaini@1314",
        "Qwer1234!",
        "Zaq1@wsx#EDC",
        "Shandong@2024",
    ],
)
def test_weak_passwords_fail(password, english):
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.parametrize("password", ["Kq7#mVz2!pLr", "Lh9v!T2x#Qm4", "Xuesheng#2027ab", "Zhijiao@Demo2021"])
def test_strong_passwords_pass(password):
    validate_password(password)


def test_the_lists_and_variants():
    common = common_passwords()
    assert {"password", "1qaz2wsx", "woaini", "5201314", "zhijiao"} <= common
    assert len(common) > 20_000
    assert "password" in password_variants("P@ssw0rd2024")
    assert "1qaz2wsx3edc" in password_variants("1qaz@WSX3edc")
    assert keyboard_walk_share("1qaz2wsx3edc") > 0.75 and keyboard_walk_share("Kq7#mVz2!pLr") < 0.5


def test_messages_are_chinese():
    with translation.override("zh-hans"):
        for password in ("abc", "12345678901", "P@ssw0rd2024", "1qaz@WSX3edc"):
            with pytest.raises(ValidationError) as caught:
                validate_password(password)
            for message in caught.value.messages:
                assert re.search(r"[\u4e00-\u9fff]", message), message
