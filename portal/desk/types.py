"""Request types: each with its own extra fields, a default team and a description.

The defaults below are the Datashop's; a municipality can replace them with
``REQUEST_TYPES`` in its configuration (same shape: a dict of type key to a dict
with label, description, team and fields). Extra values are stored as JSON in
``tickets.extra``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l

KINDS = ("text", "textarea", "choice", "url")


@dataclass(frozen=True)
class Field:
    name: str
    label: object
    kind: str = "text"  # text | textarea | choice | url
    required: bool = True
    choices: tuple = ()  # ((value, label), ...) for kind "choice"
    max_length: int = 200
    hint: object = None

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for value, _ in self.choices)


@dataclass(frozen=True)
class RequestType:
    key: str
    label: object
    description: object
    team: str | None
    fields: tuple[Field, ...] = field(default_factory=tuple)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


YES_NO = (("yes", _l("Yes")), ("no", _l("No")))

DEFAULT_REQUEST_TYPES: dict[str, dict] = {
    "data_delivery": {
        "label": _l("Data delivery or access"),
        "description": _l("You need a dataset, an export or access to data for your work."),
        "team": "udp",
        "fields": [
            Field("dataset", _l("Which data or dataset?")),
            Field("purpose", _l("What will you use it for?"), "textarea", max_length=2000),
            Field("format", _l("Format"), "choice", choices=(
                ("csv", "CSV"), ("excel", "Excel"), ("api", "API"), ("database", _l("Database connection")))),
            Field("frequency", _l("How often?"), "choice", choices=(
                ("once", _l("Once")), ("periodic", _l("Periodically")))),
        ],
    },
    "analysis": {
        "label": _l("Analysis question"),
        "description": _l("A question that data can answer: figures, trends, a comparison or a forecast."),
        "team": "analytics-ai",
        "fields": [
            Field("question", _l("What is your question?"), "textarea", max_length=2000),
            Field("decision", _l("Which decision or policy does the answer support?"), "textarea",
                  required=False, max_length=2000),
            Field("sources", _l("Sources you know of"), "textarea", required=False, max_length=2000),
        ],
    },
    "dashboard": {
        "label": _l("Dashboard"),
        "description": _l("A new dashboard or a change to an existing one."),
        "team": "bi",
        "fields": [
            Field("audience", _l("Who will use the dashboard?")),
            Field("refresh", _l("How often should it refresh?"), "choice", choices=(
                ("daily", _l("Daily")), ("weekly", _l("Weekly")), ("monthly", _l("Monthly")))),
            Field("existing_url", _l("Link to the existing dashboard"), "url", required=False,
                  max_length=500, hint=_l("Only when you want to change an existing dashboard.")),
        ],
    },
    "ai_advice": {
        "label": _l("Advice on AI and algorithms"),
        "description": _l("Advice on an algorithm or AI system: from idea to production, "
                          "including the algorithm register."),
        "team": "analytics-ai",
        "fields": [
            Field("system", _l("Which system or algorithm?")),
            Field("phase", _l("Phase"), "choice", choices=(
                ("idea", _l("Idea")), ("development", _l("Development")),
                ("production", _l("In production")))),
            Field("affects_citizens", _l("Does it affect citizens directly?"), "choice",
                  choices=YES_NO),
        ],
    },
    "open_data": {
        "label": _l("Publishing open data"),
        "description": _l("You want to publish a dataset as open data."),
        "team": "open-data",
        "fields": [
            Field("dataset", _l("Which dataset?")),
            Field("owner", _l("Data owner"), hint=_l("The department or person responsible for the data.")),
            Field("licence", _l("Licence"), "choice", choices=(("cc0", "CC0"), ("cc-by", "CC-BY"))),
        ],
    },
    "privacy_ethics": {
        "label": _l("Privacy or ethics question (DPIA, DEDA)"),
        "description": _l("A data protection impact assessment, a DEDA session or another "
                          "privacy or ethics question."),
        "team": None,
        "fields": [
            Field("kind", _l("Kind of question"), "choice", choices=(
                ("dpia", "DPIA"), ("deda", "DEDA"), ("other", _l("Other")))),
            Field("project", _l("Which project?")),
        ],
    },
    "udc_research": {
        "label": _l("Research with the Urban Data Center"),
        "description": _l("Research together with the Urban Data Center (with CBS), "
                          "for example with CBS microdata."),
        "team": "udc",
        "fields": [
            Field("question", _l("Research question"), "textarea", max_length=2000),
            Field("cbs_microdata", _l("Do you need CBS microdata?"), "choice", choices=YES_NO),
            Field("deadline_context", _l("Deadline and context"), "textarea", required=False,
                  max_length=2000),
        ],
    },
    "other": {
        "label": _l("Other"),
        "description": _l("Anything else for the Datashop."),
        "team": None,
        "fields": [],
    },
}


def _build(key: str, spec: dict) -> RequestType:
    fields = []
    for f in spec.get("fields", ()):
        if isinstance(f, dict):
            f = dict(f)
            f["choices"] = tuple(tuple(c) for c in f.get("choices", ()))
            f = Field(**f)
        if f.kind not in KINDS:
            raise ValueError(f"request type {key}: unknown field kind {f.kind}")
        fields.append(f)
    return RequestType(key, spec["label"], spec.get("description", ""), spec.get("team"),
                       tuple(fields))


def request_types() -> dict[str, RequestType]:
    """The configured request types, in order (built once per app and configuration)."""
    spec = current_app.config.get("REQUEST_TYPES") or DEFAULT_REQUEST_TYPES
    cached = current_app.extensions.get("desk_request_types")
    if cached is None or cached[0] is not spec:
        cached = (spec, {key: _build(key, value) for key, value in spec.items()})
        current_app.extensions["desk_request_types"] = cached
    return cached[1]


def get_type(key: str) -> RequestType | None:
    return request_types().get(key)
