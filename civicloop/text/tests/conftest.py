import pytest
import pytest_socket


@pytest.fixture(autouse=True)
def _no_network():
    """Every text test runs with sockets blocked: the tools must work offline."""
    pytest_socket.disable_socket(allow_unix_socket=False)
    yield
    pytest_socket.enable_socket()
