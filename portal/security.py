"""Security headers on every response: no framing, a Content-Security-Policy for pages.

The pages load scripts and styles only from the portal itself (htmx is served from
static/ and configured not to inject its indicator styles), so the policy needs no
'unsafe-inline'. Responses that set their own policy (attachments: a sandbox) keep it.
"""

from __future__ import annotations

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")


def policy(form_action_origins=()) -> str:
    """The page policy; ``form_action_origins`` may receive a form post's redirect (the
    identity provider's logout page after the portal's own logout form, see accounts.oidc)."""
    extra = " ".join(o for o in form_action_origins if o)
    return CSP.replace("form-action 'self'", f"form-action 'self' {extra}") if extra else CSP


def init_app(app) -> None:
    page_policy = policy(app.config.get("CSP_FORM_ACTION") or ())

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            headers.setdefault("Content-Security-Policy", page_policy)
        return response
