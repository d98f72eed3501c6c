"""Fixtures for authorised queries: the app signs with a fixed test key."""

from __future__ import annotations

import pytest
from authz_data import TEST_SIGNER
from fastapi.testclient import TestClient

from chengxin.signing import Signer


@pytest.fixture
def signer() -> Signer:
    return TEST_SIGNER


@pytest.fixture
def client(app, signer: Signer) -> TestClient:
    app.state.signer = signer
    return TestClient(app)
