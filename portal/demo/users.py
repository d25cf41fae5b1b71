"""Demo accounts: two employees with requests, eight colleagues who come to the agenda's
events, one staff member per team, one admin."""

from __future__ import annotations

from ..accounts import service as accounts

DEMO_PASSWORD = "datashop-demo"

DEMO_USERS = [
    # email, name, role, teams, department
    ("sanne.devries@denhaag.example", "Sanne de Vries", "employee", [], "szw"),
    ("pieter.smit@denhaag.example", "Pieter Smit", "employee", [], "dsb"),
    # Colleagues who sign up for meetups and sessions (the agenda's demo data).
    ("noor.hendriks@denhaag.example", "Noor Hendriks", "employee", [], "ocw"),
    ("daan.vermeulen@denhaag.example", "Daan Vermeulen", "employee", [], "dso"),
    ("ilse.kok@denhaag.example", "Ilse Kok", "employee", [], "bsd"),
    ("youssef.haddou@denhaag.example", "Youssef Haddou", "employee", [], "vh"),
    ("emma.degraaf@denhaag.example", "Emma de Graaf", "employee", [], "dpz"),
    ("bram.willems@denhaag.example", "Bram Willems", "employee", [], "bdv"),
    ("priya.ramdin@denhaag.example", "Priya Ramdin", "employee", [], "ibd"),
    ("thijs.vandijk@denhaag.example", "Thijs van Dijk", "employee", [], "szw"),
    ("joost.bakker@denhaag.example", "Joost Bakker", "staff", ["bi"], None),
    ("fatima.elamrani@denhaag.example", "Fatima El Amrani", "staff", ["analytics-ai"], None),
    ("mark.jansen@denhaag.example", "Mark Jansen", "staff", ["udp"], None),
    ("lotte.visser@denhaag.example", "Lotte Visser", "staff", ["open-data"], None),
    ("rachid.bouzid@denhaag.example", "Rachid Bouzid", "staff", ["udc"], None),
    ("eva.mulder@denhaag.example", "Eva Mulder", "admin", ["bi", "analytics-ai"], None),
]


def ensure_users() -> dict[str, accounts.User]:
    """Create the demo accounts that do not exist yet; return all by email."""
    users = {}
    for email, name, role, teams, department in DEMO_USERS:
        user = accounts.find_by_email(email)
        if user is None:
            user = accounts.create_user(email, name, role, password=DEMO_PASSWORD, teams=teams,
                                        department=department)
        users[email] = user
    return users


def staff_for_team(users: dict, team: str) -> accounts.User | None:
    return next((u for u in users.values() if u.role == "staff" and team in u.teams), None)


def logins_text(base_url: str) -> str:
    lines = [f"Demo logins for {base_url} (password for all: {DEMO_PASSWORD})"]
    for email, name, role, teams, _department in DEMO_USERS:
        what = role + (f" ({', '.join(teams)})" if teams else "")
        lines.append(f"  {email:<36} {name:<18} {what}")
    from .learning import teacher_logins

    teachers = teacher_logins()
    email, name, job = teachers[0]
    lines.append(f"  {email:<36} {name:<18} teacher ({job}), one of {len(teachers)} in the"
                 " learning track's pool")
    return "\n".join(lines)
