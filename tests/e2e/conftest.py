"""Fixtures the end-to-end modules share."""

from __future__ import annotations

import pytest

from tests.helpers.ecs_moto import moto_server


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    """A moto server on loopback for one module's AWS calls (stacks, ECS, IAM, secrets)."""
    with moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as url:
        yield url
