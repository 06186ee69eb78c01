"""The logged-in person's notifications."""

UNREAD_PAGE = 100  # Zou returns at most 100 notifications per call.


def get_notifications(caller, read=None, before=None):
    """The person's last notifications (at most 100), older than
    ``before`` (a Zou date) when given."""
    params = {}
    if read is not None:
        params["read"] = "true" if read else "false"
    if before:
        params["before"] = before
    return caller.get("/data/user/notifications", params=params)


def count_unread(caller):
    """How many unread notifications there are (capped at 100)."""
    return len(get_notifications(caller, read=False))


def set_read(caller, notification_id, read=True):
    """Mark one notification as read (or unread)."""
    return caller.put(
        f"/data/user/notifications/{notification_id}", json={"read": read}
    )


def mark_all_read(caller):
    """Mark every notification of the person as read."""
    return caller.post("/actions/user/notifications/mark-all-as-read")
