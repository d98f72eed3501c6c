"""Fixtures for the access log: the app signs tree heads with a fixed test key."""

from __future__ import annotations

import pytest

from chengxin.signing import Signer

AUDIT_SIGNER = Signer.from_seed(bytes(range(100, 132)))


@pytest.fixture
def signer() -> Signer:
    return AUDIT_SIGNER
