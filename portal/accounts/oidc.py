"""The OpenID Connect client (Authlib): redirect to the IdP, check what comes back.

Authorization code flow with PKCE (S256). Authlib keeps state, nonce and the code
verifier in the (signed) session cookie between the redirect and the callback, checks
the state, sends the verifier, and checks the ID token's signature against the IdP's
JWKS and its nonce. On top of that the ID token must name this portal as its audience
and the discovered issuer as its issuer, and the callback only succeeds with a
validated ID token. Every failure becomes a ``LoginFailed`` with a clear message and a
4xx status (502 when the IdP cannot be reached), never a 500.

This is the web layer's glue (it uses the session through Authlib); the rules about
accounts are in ``sso.py``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from flask import current_app
from flask_babel import gettext as _
from joserfc.errors import JoseError

from ..errors import DomainError

log = logging.getLogger(__name__)
CLIENT_NAME = "idp"
_EXTENSION = "authlib.integrations.flask_client"


class LoginFailed(DomainError):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class Result:
    issuer: str
    claims: dict
    id_token: str


def init_app(app) -> None:
    """Register the IdP client on ``app`` when SSO is configured (one registry per app)."""
    from authlib.integrations.flask_client import OAuth

    from .service import sso_enabled

    if not sso_enabled(app.config):
        return
    # The logout form's redirect goes to the IdP's end-session page: the CSP's form-action
    # must allow the IdP's origin, or browsers stop the redirect.
    parts = urlsplit(app.config["OIDC_DISCOVERY_URL"])
    app.config["CSP_FORM_ACTION"] = [*(app.config.get("CSP_FORM_ACTION") or []),
                                     f"{parts.scheme}://{parts.netloc}"]
    oauth = OAuth(app)
    oauth.register(
        CLIENT_NAME,
        server_metadata_url=app.config["OIDC_DISCOVERY_URL"],
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config.get("OIDC_CLIENT_SECRET"),
        client_kwargs={
            "scope": app.config["OIDC_SCOPES"],
            "code_challenge_method": "S256",
            "default_timeout": app.config["OIDC_TIMEOUT"],  # every call to the IdP
        },
    )


def _client():
    oauth = current_app.extensions.get(_EXTENSION)
    client = oauth.create_client(CLIENT_NAME) if oauth else None
    if client is None:
        raise LoginFailed(_("Single sign-on is not configured on this portal."), 404)
    return client


def _unreachable(exc: Exception) -> LoginFailed:
    log.warning("SSO: identity provider unreachable: %s", exc)
    return LoginFailed(_("The login service of the municipality cannot be reached right now. "
                         "Try again in a few minutes."), 502)


def _metadata(client) -> dict:
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        raise _unreachable(exc) from exc
    if not metadata.get("issuer") or not metadata.get("authorization_endpoint"):
        client.server_metadata.clear()  # fetch again next time
        raise _unreachable(ValueError("discovery document without issuer"))
    return metadata


def redirect_to_idp(redirect_uri: str, **params):
    """The redirect response to the IdP's authorization endpoint (state, nonce and
    code verifier are kept in the session by Authlib)."""
    client = _client()
    _metadata(client)
    return client.authorize_redirect(redirect_uri, **params)


def complete_login() -> Result:
    """Handle the callback: state, code exchange (with the PKCE verifier), ID token.

    Raises LoginFailed when the IdP reports an error, the state does not match, or the
    token is refused.
    """
    client = _client()
    metadata = _metadata(client)
    issuer = metadata["issuer"]
    options = {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": client.client_id},
        "sub": {"essential": True},
    }
    try:
        token = client.authorize_access_token(claims_options=options)
    except MismatchingStateError as exc:
        log.warning("SSO: state mismatch")
        raise LoginFailed(_("This login link has expired or was not started here. "
                            "Please log in again."), 400) from exc
    except OAuthError as exc:
        log.warning("SSO: the IdP returned an error: %s %s", exc.error, exc.description)
        if exc.error in ("access_denied", "login_required", "consent_required",
                         "interaction_required"):
            raise LoginFailed(_("The municipality's login service did not let you in "
                                "(%(error)s). Please try again or ask the service desk.",
                                error=exc.error), 403) from exc
        raise LoginFailed(_("The municipality's login service refused the login "
                            "(%(error)s). Please log in again.", error=exc.error), 400) from exc
    except (JoseError, AuthlibBaseError, KeyError, TypeError) as exc:
        # Bad signature, wrong audience or issuer, wrong nonce, expired, malformed.
        log.warning("SSO: ID token refused: %r", exc)
        raise LoginFailed(_("The login could not be verified, so you are not logged in. "
                            "Please log in again."), 401) from exc
    except ValueError as exc:  # an unreadable (non-JSON) answer from the token endpoint
        log.warning("SSO: unreadable token response: %r", exc)
        raise LoginFailed(_("The login could not be verified, so you are not logged in. "
                            "Please log in again."), 401) from exc
    except requests.RequestException as exc:
        raise _unreachable(exc) from exc
    claims = token.get("userinfo")
    id_token = token.get("id_token")
    if not claims or not id_token:
        # Without a checked ID token there is no login (an OAuth-only answer is not enough).
        log.warning("SSO: token response without an ID token")
        raise LoginFailed(_("The login could not be verified, so you are not logged in. "
                            "Please log in again."), 401)
    claims = dict(claims)
    if current_app.config.get("OIDC_FETCH_USERINFO") and metadata.get("userinfo_endpoint"):
        try:
            extra = dict(client.userinfo(token=token))
        except (requests.RequestException, ValueError, AuthlibBaseError) as exc:
            raise _unreachable(exc) from exc
        if extra.get("sub") != claims.get("sub"):
            raise LoginFailed(_("The login could not be verified, so you are not logged in. "
                                "Please log in again."), 401)
        claims = {**extra, **claims}
    return Result(issuer=issuer, claims=claims, id_token=id_token)


def logout_url(id_token: str | None, post_logout_redirect_uri: str) -> str | None:
    """The IdP's end-session URL (RP-initiated logout), or None when it has none."""
    if not current_app.config.get("OIDC_LOGOUT"):
        return None
    try:
        client = _client()
        metadata = _metadata(client)
    except LoginFailed:
        return None  # the portal session has ended anyway
    if not metadata.get("end_session_endpoint"):
        return None
    return client.create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri,
                                    id_token_hint=id_token, client_id=client.client_id)["url"]


def check(config) -> dict:
    """Fetch the discovery document and the JWKS for `portal sso check`."""
    timeout = config.get("OIDC_TIMEOUT") or 10
    response = requests.get(config["OIDC_DISCOVERY_URL"], timeout=timeout)
    response.raise_for_status()
    metadata = response.json()
    keys = []
    if metadata.get("jwks_uri"):
        jwks = requests.get(metadata["jwks_uri"], timeout=timeout)
        jwks.raise_for_status()
        keys = jwks.json().get("keys", [])
    return {"metadata": metadata, "keys": keys}
