"""The WSGI entry point: builds the app from the environment."""

from kitsu_web import create_app
from kitsu_web.extensions import socketio

app = create_app()

if __name__ == "__main__":
    socketio.run(app, host="127.0.0.1", port=8080)
