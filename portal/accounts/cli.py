"""`portal sso check`: what the configured identity provider offers."""

from __future__ import annotations

import click
import requests
from flask import current_app
from flask.cli import AppGroup

from . import oidc
from .service import sso_enabled

sso_cli = AppGroup("sso", help="Single sign-on (OpenID Connect).")


@sso_cli.command("check")
def sso_check() -> None:
    """Fetch the discovery document and the signing keys, and print what they say."""
    config = current_app.config
    if not sso_enabled(config):
        raise click.ClickException("SSO is off: set OIDC_DISCOVERY_URL and OIDC_CLIENT_ID "
                                   "(instance/config.py or PORTAL_OIDC_*).")
    click.echo(f"Discovery:       {config['OIDC_DISCOVERY_URL']}")
    try:
        found = oidc.check(config)
    except (requests.RequestException, ValueError) as exc:
        raise click.ClickException(f"cannot read the discovery document: {exc}") from exc
    meta = found["metadata"]
    base = config["BASE_URL"].rstrip("/")
    pkce = meta.get("code_challenge_methods_supported")
    scopes_offered = set(meta.get("scopes_supported") or [])
    lines = [
        ("Issuer", meta.get("issuer")),
        ("Authorization", meta.get("authorization_endpoint")),
        ("Token", meta.get("token_endpoint")),
        ("Userinfo", meta.get("userinfo_endpoint")),
        ("End session", meta.get("end_session_endpoint")
         or "none (logout ends the portal session only)"),
        ("JWKS", f"{meta.get('jwks_uri')} ({len(found['keys'])} keys: "
                 + ", ".join(sorted({k.get('alg') or k.get('kty', '?') for k in found['keys']}))
                 + ")"),
        ("Signing algs", ", ".join(meta.get("id_token_signing_alg_values_supported") or [])),
        ("PKCE", ("S256 supported" if pkce and "S256" in pkce else
                  f"S256 not advertised ({pkce or 'no list'}); the portal sends it anyway")),
        ("Client id", config["OIDC_CLIENT_ID"]),
        ("Scopes asked", config["OIDC_SCOPES"] + (
            "" if not scopes_offered or set(config["OIDC_SCOPES"].split()) <= scopes_offered
            else "  (not all offered: " + ", ".join(sorted(scopes_offered)) + ")")),
        ("Redirect URI", f"{base}/login/sso/callback  (register at the IdP)"),
        ("Post-logout", f"{base}/login  (register at the IdP)"),
        ("Group mapping", (f"{len(config.get('OIDC_GROUP_ROLES') or {})} groups in "
                           f"OIDC_GROUP_ROLES, claim {config.get('OIDC_GROUPS_CLAIM')!r}, "
                           f"default role {config.get('OIDC_DEFAULT_ROLE')!r}")),
    ]
    for label, value in lines:
        click.echo(f"{label + ':':<16} {value}")
    problems = [name for name in ("issuer", "authorization_endpoint", "token_endpoint",
                                  "jwks_uri") if not meta.get(name)]
    if problems:
        raise click.ClickException("the discovery document lacks " + ", ".join(problems))
    click.echo("OK")


def register(app) -> None:
    app.cli.add_command(sso_cli)


@sso_cli.command("demo-provider")
@click.option("--port", type=int, default=None, help="Port (default 9400).")
def sso_demo_provider(port) -> None:
    """A local OpenID provider with the demo people, for `make run-sso` (demo only).

    Uses the oidc-provider-mock package (installed with the test extras). It listens on
    127.0.0.1 and is reached as http://localhost:PORT, so its cookies never mix with the
    portal's on 127.0.0.1:5000.
    """
    import json
    import os

    from ..demo import sso as demo

    port = port or demo.ISSUER_PORT
    try:
        import oidc_provider_mock
    except ImportError as exc:  # a production install without the test extras
        raise click.ClickException("the demo provider needs oidc-provider-mock: "
                                   "pip install -e '.[test]'") from exc
    from werkzeug.serving import run_simple

    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain HTTP on loopback, for the demo
    people = demo.identities(current_app.config["DEPARTMENTS"])
    users = [oidc_provider_mock.User(sub=p["sub"], claims={k: v for k, v in p.items()
                                                          if k != "sub"}) for p in people]
    app = oidc_provider_mock.app(require_nonce=True, user_claims=users)
    click.echo(f"Demo identity provider on http://localhost:{port} with {len(users)} people")
    click.echo("Portal settings: " + json.dumps(demo.portal_settings(port)))
    run_simple("127.0.0.1", port, app, threaded=True)
