"""Event types and statuses with their (lazy) labels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

EVENT_TYPES = {
    "meetup": _l("Meetup"),
    "spreekuur": _l("Office hours"),
    "workshop": _l("Workshop"),
    "module_session": _l("Module session"),
}
EVENT_STATUSES = {"draft": _l("Draft"), "published": _l("Published"), "cancelled": _l("Cancelled")}
REGISTRATION_STATUSES = {"confirmed": _l("Confirmed"), "waitlisted": _l("On the waiting list"),
                         "cancelled": _l("Cancelled"), "walk_in": _l("Walk-in")}
ATTENDANCE_MODES = {"online": _l("Online"), "onsite": _l("On site")}
