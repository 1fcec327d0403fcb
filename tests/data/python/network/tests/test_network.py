import socket
import threading


def test_loopback_server_is_reachable() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        accepted = threading.Thread(target=lambda: server.accept()[0].close())
        accepted.start()
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        accepted.join(5)


def test_remote_host() -> None:
    # 192.0.2.1 is reserved for documentation: nothing answers there.
    with socket.create_connection(("192.0.2.1", 80), timeout=1):
        pass
