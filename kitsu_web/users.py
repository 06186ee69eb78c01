"""The logged-in person, as Zou describes them, for Flask-Login."""

from flask import g
from flask_login import UserMixin

from . import zou
from .sessions import token_store

ROLE_LABELS = {
    "admin": "Studio manager",
    "manager": "Production manager",
    "supervisor": "Supervisor",
    "user": "Artist",
    "client": "Client",
    "vendor": "Vendor",
}


class User(UserMixin):
    """A Zou person with the helpers pages need."""

    def __init__(self, data, organisation=None):
        self.data = data
        self.organisation = organisation or {}

    def get_id(self):
        """Flask-Login's id: Zou's person id."""
        return self.data["id"]

    def __getattr__(self, name):
        try:
            return self.data[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def full_name(self):
        """First and last name, or the e-mail when both are empty."""
        name = f"{self.data.get('first_name', '')} "
        name += self.data.get("last_name", "")
        return name.strip() or self.data.get("email", "")

    @property
    def initials(self):
        """Up to two initials for avatars."""
        parts = self.full_name.split()
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    @property
    def role(self):
        """Zou's studio role: admin, manager, supervisor, user, client…"""
        return self.data.get("role", "user")

    @property
    def role_label(self):
        """The role as Kitsu names it."""
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def is_admin(self):
        """Studio manager."""
        return self.role == "admin"

    @property
    def is_manager(self):
        """Admin or production manager."""
        return self.role in ("admin", "manager")

    @property
    def is_artist_like(self):
        """Artists and vendors, who land on My Tasks."""
        return self.role in ("user", "vendor")

    @property
    def is_client(self):
        """Client role: sees the least."""
        return self.role == "client"

    @property
    def timezone(self):
        """The person's timezone name (Zou default: Europe/Paris)."""
        return self.data.get("timezone") or "UTC"


def load_user(user_id):
    """Flask-Login loader: the session's person, checked against Zou."""
    if "kitsu_user" in g:
        return g.kitsu_user
    store = token_store()
    tokens = store.get()
    user = None
    if tokens and tokens.get("user_id") == user_id:
        cached = store.cached_user()
        if cached is None:
            try:
                cached = zou.auth.get_authenticated(zou.current())
            except zou.SessionEnded:
                cached = None
            if cached:
                store.cache_user(cached)
        if cached:
            user = User(cached["user"], cached.get("organisation"))
    g.kitsu_user = user
    return user
