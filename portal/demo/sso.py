"""Single sign-on demo: the demo people as an identity provider would describe them.

`make run-sso` starts a local OpenID provider (the oidc-provider-mock package, a test
dependency) that knows these identities, and the portal with ``DEMO_GROUP_ROLES`` as
its group mapping. The first SSO login of a demo person takes over their demo account
(same email address) and from then on the role comes from the groups below.
"""

from __future__ import annotations

from .users import DEMO_USERS

ISSUER_PORT = 9400
CLIENT_ID = "datashop-demo"
CLIENT_SECRET = "datashop-demo-secret"  # the demo provider accepts any secret

# Group names as a Keycloak realm of the municipality might have them.
DEMO_GROUP_ROLES = {
    "gemeente-medewerkers": "employee",
    "datashop-beheer": {"role": "admin"},
    "datashop-bi": {"role": "staff", "teams": ["bi"]},
    "datashop-analytics-ai": {"role": "staff", "teams": ["analytics-ai"]},
    "datashop-udp": {"role": "staff", "teams": ["udp"]},
    "datashop-open-data": {"role": "staff", "teams": ["open-data"]},
    "datashop-udc": {"role": "staff", "teams": ["udc"]},
}


def identities(departments: dict) -> list[dict]:
    """ID token claims of every demo person (department by its full name, as a
    directory holds it)."""
    out = []
    for email, name, role, teams, department in DEMO_USERS:
        groups = ["gemeente-medewerkers"] + [f"datashop-{team}" for team in teams]
        if role == "admin":
            groups.append("datashop-beheer")
        claims = {"sub": email.split("@")[0], "email": email, "email_verified": True,
                  "name": name, "groups": groups}
        if department:
            claims["department"] = str(departments.get(department, department))
        out.append(claims)
    return out


def portal_settings(port: int = ISSUER_PORT) -> dict:
    """The portal settings that point at the demo provider."""
    return {
        "OIDC_DISCOVERY_URL": f"http://localhost:{port}/.well-known/openid-configuration",
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_GROUP_ROLES": DEMO_GROUP_ROLES,
    }
