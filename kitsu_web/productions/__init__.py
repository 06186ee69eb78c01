"""Home and My Productions."""

from .views import bp

__all__ = ["bp"]
