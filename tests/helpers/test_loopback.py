"""Ports for the servers tests start: reserved, so concurrent test sessions never share one."""

from __future__ import annotations

import errno
import socket

import pytest

from tests.helpers.loopback import free_port


def test_a_free_port_is_refused_to_others_but_a_reusing_server_can_bind_it():
    port = free_port()
    with socket.socket() as other, pytest.raises(OSError) as refused:
        other.bind(("127.0.0.1", port))  # what another process's bind(0) or connect would meet
    assert refused.value.errno == errno.EADDRINUSE
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen(1)
