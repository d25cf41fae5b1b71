"""Display labels of the learning track (translated lazily)."""

from flask_babel import lazy_gettext as _l

STATES = {"locked": _l("Locked"), "open": _l("Open"), "enrolled": _l("Enrolled"),
          "in_progress": _l("Under way"), "completed": _l("Completed")}
RULES = {"read": _l("Read the material"), "quiz": _l("Pass the quiz"),
         "session": _l("Attend a classroom session"),
         "assignment": _l("Assignment approved by a teacher")}
LEVELS = {"basis": _l("Basic"), "verdieping": _l("Advanced"), "expert": _l("Expert")}
ASSIGNMENT_STATUSES = {"submitted": _l("Waiting for review"), "approved": _l("Approved"),
                       "revise": _l("Revise and hand in again")}
