"""Default configuration, in one place.

Order of precedence (later wins): these defaults, ``instance/config.py``,
``PORTAL_*`` environment variables, then ``test_config`` passed to ``create_app``.
Every setting that a municipality would change lives here, so the demo set-up
(Den Haag) is configuration, not code.
"""

from __future__ import annotations

import json
import os

# Lazy translation markers: labels are translated when rendered, in the
# language of the request. ``lazy_gettext`` works without an app context.
from flask_babel import lazy_gettext as _l

DEFAULTS: dict = {
    "MUNICIPALITY": "Gemeente Den Haag",
    "PORTAL_NAME": "Datashop",
    "SECRET_KEY": None,  # generated into the instance folder on first run
    "DATABASE": "portal.db",  # relative to the instance folder
    "UPLOAD_FOLDER": "uploads",
    "INDEX_FOLDER": "index",
    "MAIL_FOLDER": "mail",
    "KNOWLEDGE_DIR": None,  # default: <project>/knowledge
    "COURSES_DIR": None,  # default: <project>/courses
    "BASE_URL": "http://127.0.0.1:5000",
    # Languages
    "BABEL_DEFAULT_LOCALE": "nl",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
    "LANGUAGES": ["nl", "en"],
    "TIMEZONE": "Europe/Amsterdam",
    # Sessions and security
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": None,  # None: secure exactly when BASE_URL is https
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SECURE": None,  # follows SESSION_COOKIE_SECURE
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    "WTF_CSRF_TIME_LIMIT": None,  # token valid for the session
    "LOGIN_MAX_FAILURES": 5,  # failures within the window before lockout
    "LOGIN_FAILURE_WINDOW_MINUTES": 15,
    "LOGIN_LOCKOUT_MINUTES": 15,
    "MIN_PASSWORD_LENGTH": 10,
    # Who may log in with a password: "everyone", or "admins" (only useful with single
    # sign-on configured: employees then use their municipality account only).
    "PASSWORD_LOGIN": "everyone",
    # Single sign-on (OpenID Connect, authorization code flow with PKCE). Off while
    # OIDC_DISCOVERY_URL is None: then there is only password login. See the README.
    "OIDC_DISCOVERY_URL": None,  # https://<idp>/.well-known/openid-configuration
    "OIDC_CLIENT_ID": None,
    "OIDC_CLIENT_SECRET": None,
    "OIDC_SCOPES": "openid profile email",
    "OIDC_TIMEOUT": 10,  # seconds for every call to the identity provider
    # Claims: the first one present wins where a list is given.
    "OIDC_NAME_CLAIM": "name",
    "OIDC_EMAIL_CLAIM": ["email", "preferred_username", "upn"],
    "OIDC_GROUPS_CLAIM": "groups",  # Entra ID: "groups" (object ids) or "roles" (app roles)
    "OIDC_DEPARTMENT_CLAIM": "department",
    # Department claim value -> department key, for values that are neither a key of
    # DEPARTMENTS nor its name. Unknown values leave the department as it was.
    "OIDC_DEPARTMENTS": {},
    # Group claim value -> {"role": "staff"|"admin"|"employee", "teams": [...]} (or just the
    # role as a string). The highest role of the matched groups wins; teams add up. When no
    # matched group names teams, a staff member keeps the teams an admin gave them.
    "OIDC_GROUP_ROLES": {},
    "OIDC_DEFAULT_ROLE": "employee",  # without a matching group; None refuses the login
    # A first SSO login with the email address of an existing account without an SSO
    # identity takes that account over (the IdP is the municipality's own directory).
    "OIDC_LINK_BY_EMAIL": True,
    "OIDC_FETCH_USERINFO": False,  # also read claims from the userinfo endpoint
    "OIDC_LOGOUT": True,  # log out at the IdP too (RP-initiated logout) after an SSO login
    # Extra origins for the CSP's form-action (the IdP's origin is added when SSO is on).
    "CSP_FORM_ACTION": [],
    # Organisation
    "TEAMS": {
        "bi": _l("Business Intelligence"),
        "analytics-ai": _l("Analytics & AI"),
        "udp": _l("Urban Data Platform"),
        "open-data": _l("Open data"),
        "udc": _l("Urban Data Center"),
    },
    "DEPARTMENTS": {
        "bsd": "Bestuursdienst",
        "ocw": "Onderwijs, Cultuur en Welzijn",
        "dpz": "Publiekszaken",
        "szw": "Sociale Zaken en Werkgelegenheid",
        "dsb": "Stadsbeheer",
        "dso": "Stedelijke Ontwikkeling",
        "bdv": "Bedrijfsvoering",
        "vh": "Veiligheid en Handhaving",
        "ibd": "Informatievoorziening en Digitalisering",
    },
    # The desk
    "TICKET_PREFIX": "DS",
    "REOPEN_DAYS": 14,
    "MAX_ATTACHMENT_BYTES": 10 * 1024 * 1024,
    "MAX_ATTACHMENTS_PER_POST": 5,
    "ALLOWED_ATTACHMENT_EXTENSIONS": [
        "pdf", "png", "jpg", "jpeg", "gif", "csv", "txt", "xlsx", "xls", "docx", "doc",
        "pptx", "odt", "ods", "json", "zip",
    ],
    "MAX_CONTENT_LENGTH": 60 * 1024 * 1024,  # whole request, several attachments
    # Service level targets in business hours: (first response, resolution)
    "SLA_HOURS": {
        "urgent": [4, 16],
        "high": [8, 40],
        "normal": [16, 80],
        "low": [24, 160],
    },
    "SLA_AT_RISK_FRACTION": 0.75,  # "at risk" once 75% of the target is used
    "BUSINESS_HOURS": [9, 17],  # Mon-Fri, local time
    "BUSINESS_DAYS": [0, 1, 2, 3, 4],
    "HOLIDAYS": [],  # ISO dates without business hours, e.g. "2026-12-25"
    "QUEUE_PAGE_SIZE": 50,
    # Mail: "file" writes .eml files under instance/mail, "smtp" sends.
    "MAIL_BACKEND": "file",
    "MAIL_FROM": "Datashop <datashop@denhaag.example>",
    # Where a reply by mail goes: a mailbox the Datashop team reads (replies by mail are
    # not yet added to tickets; every mail says to reply on the request page). None: no
    # Reply-To header.
    "MAIL_REPLY_TO": "Datashop-team <datashop-team@denhaag.example>",
    # The learning track: who hears that a teacher marked themselves unavailable over
    # sessions they teach (so staff find a substitute). None: the MAIL_REPLY_TO mailbox.
    "LEARNING_STAFF_EMAIL": None,
    "SMTP_HOST": "localhost",
    "SMTP_PORT": 25,
    "SMTP_STARTTLS": False,
    "SMTP_SSL": False,
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_TIMEOUT": 20,
    # Temporary failures (server down, 4xx) are retried for this long after a message was
    # queued, then it is "failed" (kept, shown to admins; `portal outbox retry`). A 5xx
    # refusal fails at once.
    "OUTBOX_GIVE_UP_HOURS": 72,
    "OUTBOX_RETRY_BASE_SECONDS": 60,  # backoff: 1, 2, 4, 8 ... minutes between attempts
    "OUTBOX_RETRY_MAX_SECONDS": 1800,  # longest wait: mail resumes within 30 min of an outage
    # Events (meetups, office hours, workshops, module sessions)
    "EVENTS_REMINDER_HOURS": 24,  # reminder mail this long before the start (`portal events remind`)
    "EVENTS_ICS_ALARM_MINUTES": 30,  # VALARM in the calendar invitation
    "EVENTS_PAGE_SIZE": 30,
    # Knowledge base
    "KB_PUBLIC": True,  # knowledge pages readable without logging in
    # Known document types, in tab order: (label, plural). Unknown types are allowed
    # and shown with their key.
    "KB_TYPES": {
        "howto": (_l("How-to"), _l("How-tos")),
        "faq": (_l("FAQ"), _l("FAQs")),
        "project": (_l("Project"), _l("Projects")),
        "algorithm": (_l("Algorithm"), _l("Algorithms")),
        "dataset": (_l("Dataset"), _l("Datasets")),
        "team": (_l("Team"), _l("Teams")),
        "track": (_l("Learning track"), _l("Learning tracks")),
        "course": (_l("Course module"), _l("Course modules")),
        "page": (_l("Page"), _l("Pages")),
    },
    "KB_TOC_MIN_HEADINGS": 3,
    # Pages generated from configuration (the processing register) are stored by
    # `portal kb sync` so search finds them; their page always renders afresh.
    "KB_GENERATED_PAGES": True,  # show a table of contents from this many headings
    "ALGORITHM_REGISTER_URL": "https://algoritmes.overheid.nl",
    # Search
    "EMBEDDING_MODEL": None,  # a local sentence-transformers directory; None: packaged MiniLM
    "EMBEDDING_BATCH_SIZE": 32,
    # auto (ONNX int8, falling back to sentence-transformers) | onnx-int8 | onnx-fp32 | torch
    "EMBEDDING_RUNTIME": "auto",
    "EMBEDDING_CACHE_FOLDER": "models",  # ONNX exports, by model content hash (instance-relative)
    "EMBEDDING_BACKEND": "torch",  # torch | onnx (sentence-transformers' ONNX needs `optimum`)
    "EMBEDDING_PRECISION": "auto",  # torch runtime: auto (bf16 on AMX/AVX-512 BF16) | bf16 | fp32
    "EMBEDDING_THREADS": 1,  # threads per query embedding (ONNX Runtime or torch)
    "EMBEDDING_BUILD_THREADS": 0,  # threads for `portal index rebuild`; 0: every core
    # wait: the first search loads the model (CLI, tests) | background: a thread loads it
    # when the server starts and searches answer by keyword until it is ready (portal run,
    # gunicorn.conf.py set this)
    "SEARCH_MODEL_LOAD": "wait",
    "SEARCH_ENGINE": "hybrid",  # hybrid | keyword
    "SEARCH_MAX_QUERY_CHARS": 500,
    # The assistant (portal/chat): how long conversations are kept is RETENTION below.
    "ASSISTANT_MAX_CHARS": 2000,  # longer messages are refused with a clear 400
    # Confidence (0-1) needed to answer; below CLARIFY_MARGIN between the two best a question back.
    "ASSISTANT_ANSWER_THRESHOLD": 0.3,
    "ASSISTANT_CLARIFY_MARGIN": 0.15,
    # Unanswered questions this close in meaning (cosine, the search engine's embedder) are
    # one group on the staff backlog when they share a word stem; the second without one.
    "ASSISTANT_BACKLOG_SIMILARITY": 0.45,
    "ASSISTANT_BACKLOG_SIMILARITY_ALONE": 0.8,
    # Optional generative answers (portal/chat/composer.py), off while the URL is empty: an
    # OpenAI-compatible endpoint (the municipality's own LLM gateway, e.g.
    # "https://llm.intern.example/v1"), its model name and key; on any error, timeout or
    # uncited sentence the assistant answers extractively.
    "ASSISTANT_COMPOSER_URL": "",
    "ASSISTANT_COMPOSER_MODEL": "",
    "ASSISTANT_COMPOSER_KEY": "",
    "ASSISTANT_COMPOSER_TIMEOUT": 8.0,  # seconds for the whole reply
    "SUGGEST_LIMIT": 4,  # articles under "Maybe this already helps" on the request form
    "CHUNK_MAX_WORDS": 180,
    # Backups (`portal backup create`; the worker makes one daily). Put BACKUP_FOLDER on
    # another disk or a mounted share: a backup next to the database dies with its disk.
    "BACKUP_FOLDER": "backups",  # instance-relative unless absolute
    "BACKUP_KEEP": 7,  # the newest 7 are kept: a week of daily backups
    "BACKUP_INCLUDE_MODELS": False,  # the ONNX cache is regenerated by `portal index rebuild`
    # The worker (`portal worker`): per job seconds between runs or a daily "HH:MM" (local
    # time), false switches a job off, e.g. {"outbox": 30, "backup": "01:30"}.
    "WORKER_SCHEDULE": {},
    "WORKER_POLL_SECONDS": 5,  # longest sleep between looking for due jobs
    "WORKER_LEASE_SECONDS": 120,  # a crashed worker's jobs are free again after this
    "WORKER_RETRY_SECONDS": 60,  # a failed job is retried after 1, 2, 4 ... min (at most 1 h)
}

# Retention (AVG): days per kind of data, counted from the moment named in the comment.
# `portal retention run` applies them (the worker nightly); the README has the reasons and
# the knowledge base page "Verwerkingsregister" is generated from these numbers.
# An instance overrides single kinds: RETENTION = {"tickets_closed": 1095}.
DEFAULTS["RETENTION"] = {
    "tickets_closed": 730,            # after closing: requester and names anonymised
    "ticket_attachments": 180,        # after closing: attachments deleted
    "assistant_conversations": 30,    # after the last message
    "search_log": 365,                # search log and suggestion records (no personal data)
    "login_attempts": 90,             # after the attempt
    "sessions": 30,                   # server-side login sessions, after last use
    "event_registrations": 365,       # after the event: names removed, counts stay
    "quiz_answers": 365,              # after submitting: chosen options removed, score stays
    "assignments": 365,               # after review: text and file removed, outcome stays
    "outbox": 30,                     # sent or failed mail, after queueing
    "audit_log": 1095,                # admin actions
}
# Older single settings that still win when an instance sets them.
LEGACY_RETENTION_KEYS = {"assistant_conversations": "ASSISTANT_RETENTION_DAYS",
                         "search_log": "SEARCH_LOG_RETENTION_DAYS"}


def retention_days(config, kind: str) -> int:
    """Days data of ``kind`` is kept under ``config`` (a Flask config or dict)."""
    legacy = LEGACY_RETENTION_KEYS.get(kind)
    if legacy and config.get(legacy) is not None:
        return int(config[legacy])
    merged = {**DEFAULTS["RETENTION"], **(config.get("RETENTION") or {})}
    if kind not in merged:
        raise KeyError(f"unknown retention kind: {kind}")
    days = int(merged[kind])
    if days < 1:
        raise ValueError(f"RETENTION[{kind!r}] must be at least one day")
    return days


# Settings that come from the environment as PORTAL_<NAME>; values are parsed
# as JSON when they look like JSON (numbers, booleans, lists), else kept as text.
ENV_PREFIX = "PORTAL_"


def from_environment(environ: dict | None = None) -> dict:
    environ = os.environ if environ is None else environ
    out = {}
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX) or key == "PORTAL_INSTANCE_PATH":
            continue
        name = key[len(ENV_PREFIX):]
        out[name] = _parse(raw)
    return out


def _parse(raw: str):
    text = raw.strip()
    if text.lower() in ("true", "yes", "on"):
        return True
    if text.lower() in ("false", "no", "off"):
        return False
    if text[:1] in "[{" or text.lstrip("-").replace(".", "", 1).isdigit():
        try:
            return json.loads(text)
        except ValueError:
            return raw
    return raw
