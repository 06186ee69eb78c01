"""A kept-alive connection that Zou closed while idle is retried once for
safe methods, so pages never fail on a stale pooled connection."""

import socket
import threading
import time

from kitsu_web.zou.client import ZouClient

ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
          b"Content-Length: 2\r\nConnection: keep-alive\r\n\r\n{}")


def idle_closing_server():
    """A loopback server that answers the first request of a connection
    and drops the connection when a second one arrives on it: the race a
    server's keep-alive time-out creates with a client's pooled
    connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def serve():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(ANSWER)
                conn.settimeout(2)
                try:
                    conn.recv(65536)
                except OSError:
                    pass
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener, stop


def test_get_on_a_connection_closed_while_idle_is_retried():
    """The second GET reuses a pooled connection the server has closed:
    the client retries on a fresh one instead of failing."""
    listener, stop = idle_closing_server()
    port = listener.getsockname()[1]
    client = ZouClient(f"http://127.0.0.1:{port}", timeout=5)
    try:
        for _ in range(3):
            response = client.send("GET", "/data/projects")
            assert response.status_code == 200
            time.sleep(0.2)
    finally:
        stop.set()
        listener.close()


def test_a_read_time_out_is_not_retried():
    """A Zou that is slow fails after one time-out, not two."""
    import pytest

    from kitsu_web.zou import ZouUnavailable

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted = []

    def hold():
        listener.settimeout(3)
        try:
            while True:
                conn, _ = listener.accept()
                accepted.append(conn)
        except OSError:
            return
    threading.Thread(target=hold, daemon=True).start()
    client = ZouClient(f"http://127.0.0.1:{listener.getsockname()[1]}",
                       timeout=0.5)
    started = time.monotonic()
    with pytest.raises(ZouUnavailable):
        client.send("GET", "/data/projects")
    assert len(accepted) == 1
    assert time.monotonic() - started < 1.5
    listener.close()
    for conn in accepted:
        conn.close()
