"""A real OpenID provider for the SSO tests: oidc-provider-mock served over HTTP.

The provider is the PyPI package ``oidc-provider-mock`` (Authlib's server components)
on a free loopback port in a thread. Two things are added around it, as Flask hooks on
the provider's own app, so that everything stays real HTTP and real signed JWTs:

- PKCE is enforced (the package accepts a code without one): the authorization
  request's ``code_challenge`` is remembered per code, and the token request is refused
  with ``invalid_grant`` unless its ``code_verifier`` hashes (S256) to it. Keycloak and
  Entra ID do the same when PKCE is required for a client.
- ``tamper`` turns the provider into a misbehaving one for one test: the ID token in
  the token response is re-signed with the provider's own key but for another audience
  ("audience", "audience_azp"), or signed with a key that is not in its JWKS
  ("signature"), as a token substitution or a forged token would be.
"""

from __future__ import annotations

import pytest

import base64
import hashlib
import threading
import warnings
from urllib.parse import parse_qs, quote, urlsplit

import flask
import requests
from joserfc import jws, jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

with warnings.catch_warnings():  # the package imports authlib.jose, which Authlib deprecates
    import authlib.deprecate  # noqa: F401  (it adds an "always" filter first; ours goes before)

    warnings.simplefilter("ignore", DeprecationWarning)
    import oidc_provider_mock

CLIENT_ID = "datashop-portal"
CLIENT_SECRET = "test-client-secret"


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class Provider:
    def __init__(self):
        # Named after the package's module, so Flask finds the package's templates.
        self.app = flask.Flask(oidc_provider_mock.app.__module__)
        oidc_provider_mock.init_app(self.app, require_nonce=True)
        self.app.secret_key = "idp-secret"
        self.challenges: dict[str, tuple[str | None, str | None]] = {}
        self.authorize_args: list[dict] = []
        self.token_forms: list[dict] = []
        self.tamper: str | None = None
        self.app.before_request(self._check_pkce)
        self.app.after_request(self._after)
        self._server = make_server("localhost", 0, self.app, threaded=True)
        self.url = f"http://localhost:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- hooks on the provider's app ------------------------------------------
    def _check_pkce(self):
        request = flask.request
        if request.path == "/oauth2/token" and request.form.get("grant_type") == \
                "authorization_code":
            self.token_forms.append(request.form.to_dict())
            challenge, method = self.challenges.get(request.form.get("code", ""), (None, None))
            verifier = request.form.get("code_verifier")
            if not challenge or method != "S256" or not verifier or _s256(verifier) != challenge:
                return flask.jsonify(error="invalid_grant",
                                     error_description="PKCE verification failed"), 400
        return None

    def _after(self, response):
        request = flask.request
        if request.path == "/oauth2/authorize":
            self.authorize_args.append(request.args.to_dict())
            if request.method == "POST" and response.status_code in (302, 303) \
                    and response.location:
                code = parse_qs(urlsplit(response.location).query).get("code", [None])[0]
                if code:
                    self.challenges[code] = (request.args.get("code_challenge"),
                                             request.args.get("code_challenge_method"))
        if request.path == "/oauth2/token" and self.tamper and response.status_code == 200:
            body = response.get_json()
            body["id_token"] = self._tampered(body["id_token"])
            response.set_data(flask.json.dumps(body))
        return response

    def _tampered(self, id_token: str) -> str:
        compact = jws.extract_compact(id_token.encode())
        header = dict(compact.headers())
        claims = flask.json.loads(compact.payload)
        key = RSAKey.import_key(flask.g.oidc_provider_mock_storage.jwk.as_dict(is_private=True))
        if self.tamper == "audience":
            claims["aud"] = "another-app"
        elif self.tamper == "audience_azp":
            claims["aud"] = ["another-app"]
            claims["azp"] = CLIENT_ID
        elif self.tamper == "nonce":
            claims["nonce"] = "a-nonce-from-another-login"
        elif self.tamper == "signature":
            key = RSAKey.generate_key(2048)  # not in the provider's JWKS
        return jwt.encode(header, claims, key)

    # --- driving it -------------------------------------------------------------
    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=5)

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def config(self, **extra) -> dict:
        return {"OIDC_DISCOVERY_URL": self.discovery_url, "OIDC_CLIENT_ID": CLIENT_ID,
                "OIDC_CLIENT_SECRET": CLIENT_SECRET, **extra}

    def set_user(self, sub: str, **claims) -> None:
        response = requests.put(f"{self.url}/users/{quote(sub, safe='')}", json=claims,
                                timeout=10)
        assert response.status_code == 204, response.text

    def authorize(self, authorize_url: str, sub: str, action: str | None = None) -> str:
        """What the person does at the IdP's login form; returns the redirect back."""
        data = {"sub": sub}
        if action:
            data["action"] = action
        response = requests.post(authorize_url, data=data, allow_redirects=False, timeout=10)
        assert response.status_code in (302, 303), response.text[:500]
        return response.headers["Location"]


def local_path(url: str) -> str:
    """The path and query of a portal URL, for the Flask test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def sso_login(client, provider: Provider, sub: str, next_path: str | None = None):
    """Log in through the IdP: portal -> IdP -> callback. Returns the callback response."""
    start = client.get("/login/sso" + (f"?next={quote(next_path)}" if next_path else ""))
    assert start.status_code == 302, start.get_data(as_text=True)[:500]
    assert start.location.startswith(provider.url)
    back = provider.authorize(start.location, sub)
    return client.get(local_path(back))


@pytest.fixture
def provider(monkeypatch):
    """A real OIDC provider over HTTP on loopback; Authlib's server side wants HTTPS
    unless told otherwise."""
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    server = Provider().start()
    yield server
    server.stop()
