"""Login, logout and the pages around them."""

from .views import bp

__all__ = ["bp"]
