"""Fixtures for authorised queries: the app signs with a fixed test key."""

from __future__ import annotations

import pytest
from authz_data import TEST_SIGNER

from chengxin.signing import Signer


@pytest.fixture
def signer() -> Signer:
    return TEST_SIGNER
