"""The notification inbox and the bell of the top bar."""

from .views import bp

__all__ = ["bp"]
