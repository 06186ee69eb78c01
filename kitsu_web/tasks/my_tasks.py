"""My Tasks."""
