"""A loopback HTTP server for faults a real Zou cannot produce on demand
(hanging, breaking off an answer). It never imitates Zou's normal answers.
"""

import socket
import threading


class FaultServer:
    """Accepts connections on a free loopback port; ``answer(conn)`` runs
    for each in a thread of its own. Connections are closed at ``close``.
    """

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self._stop = threading.Event()
        self._open = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(5)
            self._open.append(conn)
            threading.Thread(target=self._guarded, args=(conn,),
                             daemon=True).start()

    def _guarded(self, conn):
        try:
            self.answer(conn)
        except OSError:
            conn.close()

    def answer(self, conn):
        """Handle one connection (subclasses say how)."""
        raise NotImplementedError

    def close(self):
        """Stop serving and drop every connection."""
        self._stop.set()
        self.thread.join(2)
        for conn in self._open:
            conn.close()
        self.sock.close()


def read_head(conn, data=b""):
    """Read up to the end of one request's headers: (head, rest), or
    (None, data) when the client closed the connection."""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            return None, data
        data += piece
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest
