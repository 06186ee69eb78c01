"""Unit tests need no Zou."""
