"""View decorators for pages of one kind of user (the services check permissions too)."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def _requires(allowed):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not allowed(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


staff_required = _requires(lambda user: user.is_staff)
admin_required = _requires(lambda user: user.is_admin)
