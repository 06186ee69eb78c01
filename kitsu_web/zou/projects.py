"""Productions (Zou calls them projects)."""


def get_open_projects(caller):
    """Open productions the user may see, with team and linked types."""
    return caller.get("/data/projects/open")


def get_project(caller, project_id):
    """One production, raw."""
    return caller.get(f"/data/projects/{project_id}")
