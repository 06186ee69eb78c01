"""Print shell exports that point kitsu-web at the demo Zou stack."""

import json
import secrets
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STACK = ROOT / ".cache" / "stacks" / "demo"


def main():
    """Emit ``export NAME=value`` lines for the demo."""
    stack = json.loads((STACK / "stack.json").read_text())
    secret_file = STACK / "kitsu-web.secret"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_hex(32))
        secret_file.chmod(0o600)
    env = {
        "KITSU_WEB_ENV": "production",
        "SECRET_KEY": secret_file.read_text().strip(),
        "KITSU_API_TARGET": stack["api_url"],
        "KITSU_EVENT_TARGET": stack["event_url"],
        "KITSU_WEB_REDIS_URL": f"redis://127.0.0.1:{stack['redis_port']}/5",
    }
    seed = STACK / "seed.json"
    if seed.exists():
        bot = json.loads(seed.read_text()).get("bot_token")
        if bot:
            env["KITSU_WEB_BOT_TOKEN"] = bot
    for name, value in env.items():
        print(f"export {name}={shlex.quote(str(value))}")


if __name__ == "__main__":
    main()
