"""A new request collected in conversation (slot filling).

The assistant asks the desk's fields one at a time: type, subject, description,
department, desired date, personal data, then the required extra fields of the chosen
type. Where the desk has a fixed list (types, departments, personal data, choice fields)
the reply carries the options as buttons, and a typed answer may be the option's label,
its key or its number. A bad answer is asked again with the desk's own message. After
the last field comes a summary; only "ja" creates the ticket, through
``desk.service.create_ticket`` (which validates everything once more). "annuleer" stops
at any time, and every step keeps the link to the web form, prefilled with what is known.

The state lives in the conversation's ``pending`` (JSON): {"action": "request_form",
"values": {...}, "ask": field}. A conversation that is not stored (the CLI, a batch)
never gets past the first question, so nothing is created there.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlencode

from flask import current_app
from flask_babel import gettext as _

from .. import parsing
from ..desk import service as desk
from ..desk import validation
from ..desk.labels import PERSONAL_DATA, PERSONAL_DATA_LABELS
from ..desk.types import get_type, request_types
from ..errors import DomainError, Invalid
from .intents import CONFIRM, DENY, NEW_REQUEST, normalise

ACTION = "request_form"
BASE_FIELDS = ("type", "subject", "description", "department", "desired_date", "personal_data")
CANCEL = re.compile(r"^(annuleer|annuleren|stop|stoppen|laat maar|cancel|afbreken|nee,? stop|"
                    r"niet meer|toch niet)[\s!.]*$")
NO_DATE = re.compile(r"^(geen|nee|geen voorkeur|geen datum|maakt niet uit|niet|weet ik niet|"
                     r"weet niet|geen idee|-|none|no|skip|overslaan)[\s!.]*$")
DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
# Words that name no topic in "ik wil graag een nieuwe aanvraag doen".
FILLER = frozenset("""graag nieuwe nieuw aanvraag aanvragen request ticket verzoek indienen
    maken aanmaken doen willen wilde zou hallo datashop jullie""".split())
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")
# "1 maart 2027", "1 mrt 2027", "1 march 2027": a month by (the start of) its Dutch or
# English name
D_MONTH_Y = re.compile(r"^(\d{1,2})\s+([a-z]{3,9})\.?\s+(\d{4})$")
ENGLISH_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
                  "september", "october", "november", "december")


def _month(name: str) -> int | None:
    for names in (MONTHS, ENGLISH_MONTHS):
        for number, month in enumerate(names, start=1):
            if month.startswith(name) and (len(name) >= 3):
                return number
    return None


def _reply(text: str, pending: dict | None, choices=(), **extra) -> dict:
    values = (pending or {}).get("values", {})
    subject = values.get("subject") or (pending or {}).get("message") or extra.pop("message", "")
    query = {"onderwerp": subject[:200]} if subject else {}
    url = f"/aanvraag/{values.get('type') or 'other'}" + (f"?{urlencode(query)}" if query else "")
    return {"action": "new_request", "reply": text, "pending": pending,
            # A button sends its key ("ja", "annuleer", a type), which every step accepts.
            "choices": [{"id": key, "title": str(label), "url": url, "value": key}
                        for key, label in choices],
            "links": [{"label": _("Open the prefilled request form"), "url": url}],
            "request_type": values.get("type"), **extra}


def _fields(values: dict) -> list[str]:
    """The fields still to ask, in order: the base ones, then the type's required extras."""
    rtype = get_type(values.get("type") or "")
    extras = [f"extra.{f.name}" for f in (rtype.fields if rtype else ()) if f.required]
    return [name for name in (*BASE_FIELDS, *extras) if name not in values]


def _extra_field(values: dict, name: str):
    rtype = get_type(values.get("type") or "")
    return rtype.field(name.split(".", 1)[1]) if rtype else None


def _options(values: dict, name: str) -> list[tuple[str, object]]:
    if name == "type":
        return [(key, t.label) for key, t in request_types().items()]
    if name == "department":
        return list(current_app.config["DEPARTMENTS"].items())
    if name == "personal_data":
        return [(key, PERSONAL_DATA_LABELS[key]) for key in PERSONAL_DATA]
    if name.startswith("extra."):
        field = _extra_field(values, name)
        if field is not None and field.kind == "choice":
            return list(field.choices)
    if name == "desired_date":
        return [("geen", _("No date"))]
    return []


def _question(values: dict, name: str) -> str:
    if name == "type":
        return _("What kind of request is it?")
    if name == "subject":
        return _("What is the subject, in one line?")
    if name == "description":
        return _("Describe what you need: the question behind it, which data and for whom.")
    if name == "department":
        return _("Which department is the request for?")
    if name == "desired_date":
        return _("By when do you need it? Give a date (for example 31-12-2026), or "
                 "\u201cgeen\u201d if you have no date.")
    if name == "personal_data":
        return _("Does it involve personal data?")
    field = _extra_field(values, name)
    return str(field.label).rstrip(" ?") + "?" if field is not None else ""


def _ask(pending: dict, prefix: str = "") -> dict:
    values = pending["values"]
    todo = _fields(values)
    if not todo:
        pending["ask"] = "confirm"
        return _reply((prefix + " " if prefix else "") + _summary(values), pending,
                      choices=[("ja", _("Yes, submit")), ("annuleer", _("No, stop"))])
    name = pending["ask"] = todo[0]
    text = _question(values, name)
    if name not in ("type", "desired_date", "personal_data") and not name.startswith("extra."):
        text += " " + _("(\u201cannuleer\u201d stops.)")
    return _reply((prefix + " " if prefix else "") + text, pending, choices=_options(values, name))


def _label(values: dict, name: str, value) -> str:
    for key, label in _options(values, name):
        if key == value:
            return str(label)
    return str(value)


def _display_date(value: str | None) -> str:
    """2027-03-01 -> 01-03-2027 (as the question asks for it)."""
    if not value:
        return ""
    try:
        return date.fromisoformat(value).strftime("%d-%m-%Y")
    except ValueError:
        return value


def _summary(values: dict) -> str:
    rows = [(_("Type"), _label(values, "type", values["type"])),
            (_("Subject"), values["subject"]),
            (_("Description"), values["description"]),
            (_("Department"), _label(values, "department", values["department"])),
            (_("Desired date"), _display_date(values.get("desired_date")) or _("none")),
            (_("Personal data"), _label(values, "personal_data", values["personal_data"]))]
    for name in _fields({k: v for k, v in values.items() if not k.startswith("extra.")}):
        if name.startswith("extra.") and name in values:
            field = _extra_field(values, name)
            rows.append((str(field.label).rstrip(" ?"), _label(values, name, values[name])))
    lines = "; ".join(f"{label}: {str(value).rstrip(' .;')}" for label, value in rows)
    return _("This is your request: %(lines)s. Shall I submit it? Answer \u201cja\u201d to "
             "submit or \u201cannuleer\u201d to stop.", lines=lines)


def _pick(values: dict, name: str, answer: str) -> str | None:
    """The option meant by the answer: its number, key or label (case and accents ignored)."""
    options = _options(values, name)
    norm = normalise(answer).strip(" .!")
    if norm.isdigit() and 1 <= int(norm) <= len(options):
        return options[int(norm) - 1][0]
    for key, label in options:
        if norm in (normalise(key), normalise(str(label))):
            return key
    if name == "personal_data":
        if re.match(r"^(ja|yes|jazeker|wel)\b", norm):
            return "yes"
        if re.match(r"^(nee|no|geen|niet)\b", norm):
            return "no"
        if re.search(r"weet (ik )?(het )?niet|geen idee|don.?t know|onbekend", norm):
            return "unknown"
    starts = [key for key, label in options if normalise(str(label)).startswith(norm)] \
        if len(norm) >= 3 else []
    return starts[0] if len(starts) == 1 else None


def _parse(values: dict, name: str, answer: str):
    """(value, None) or (None, message) for one field's answer."""
    errors: dict = {}
    if name in ("subject", "description") or (name.startswith("extra.") and not
                                               _options(values, name)):
        limit = {"subject": validation.SUBJECT_MAX,
                 "description": validation.DESCRIPTION_MAX}.get(name)
        if limit is None:
            limit = _extra_field(values, name).max_length
        value = parsing.text(answer, name, errors, required=True, max_length=limit)
        return (value, None) if not errors else (None, errors[name])
    if name == "desired_date":
        norm = normalise(answer).strip()
        if NO_DATE.match(norm):
            return "", None
        match = DMY.match(norm)
        raw = norm
        named = D_MONTH_Y.match(norm)
        if named and _month(named.group(2)):
            match = named
            day, month, year = int(named.group(1)), _month(named.group(2)), int(named.group(3))
        elif match:
            day, month, year = (int(x) for x in match.groups())
        if match:
            try:
                raw = date(year, month, day).isoformat()
            except ValueError:
                return None, _("This date does not exist.")
        value = validation.desired_date(raw, errors)
        if errors:
            message = errors["desired_date"]
            if not match and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
                message = _("Give a date such as 31-12-2026, or \u201cgeen\u201d.")
            return None, message
        return value, None
    value = _pick(values, name, answer)
    if value is None:
        options = ", ".join(str(label) for _key, label in _options(values, name))
        return None, _("I did not understand that. Choose one of: %(options)s.", options=options)
    return value, None


def start(user, slots: dict, message: str) -> dict:
    """The first question; the type is filled in when the message names one."""
    values = {}
    if slots.get("request_type") and get_type(slots["request_type"]):
        values["type"] = slots["request_type"]
    # The message is the form's subject only when it names a topic: "Ik wil een nieuwe
    # aanvraag indienen" is no subject, "ik wil een analyse van betaald parkeren" is.
    topic = NEW_REQUEST.sub(" ", normalise(message))
    named = [w for w in re.findall(r"[a-z0-9]+", topic) if len(w) > 3 and w not in FILLER]
    pending = {"action": ACTION, "values": values, "ask": None,
               "message": message[:200] if named else ""}
    return _ask(pending, _("I will note down your request with you, one question at a time; "
                           "or open the prefilled form."))


def step(user, pending: dict, message: str, button_for: str | None = None) -> dict:
    """One answer to the form: cancel, confirm, or the value of the field asked.

    ``button_for`` is the step a clicked button belonged to: a button left under an
    earlier question does not answer the current one; the current question is asked again."""
    pending = {"action": ACTION, "values": dict(pending.get("values") or {}),
               "ask": pending.get("ask"), "message": pending.get("message") or ""}
    if button_for is not None and button_for != pending["ask"]:
        return _ask(pending, _("That button belongs to an earlier question."))
    norm = normalise(message).strip()
    if CANCEL.match(norm) or (pending["ask"] == "confirm" and DENY.match(norm)):
        return _reply(_("OK, I have stopped; no request was submitted."), None)
    if pending["ask"] == "confirm":
        if not CONFIRM.match(norm):
            return _reply(_("Answer \u201cja\u201d to submit the request or \u201cannuleer\u201d "
                            "to stop."), pending,
                          choices=[("ja", _("Yes, submit")), ("annuleer", _("No, stop"))])
        return _create(user, pending)
    name = pending["ask"]
    if name not in _fields(pending["values"]):  # a stale state: ask what is missing
        return _ask(pending)
    value, problem = _parse(pending["values"], name, message)
    if problem:
        return _reply(problem + " " + _question(pending["values"], name), pending,
                      choices=_options(pending["values"], name))
    pending["values"][name] = value
    return _ask(pending)


def _create(user, pending: dict) -> dict:
    values = pending["values"]
    data = {"type": values["type"], "subject": values["subject"],
            "description": values["description"], "department": values["department"],
            "desired_date": values.get("desired_date") or None,
            "personal_data": values["personal_data"],
            "extra": {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("extra.")}}
    try:
        ticket = desk.create_ticket(user, data)
    except Invalid as exc:  # the desk's rules changed in between: ask that field again
        field = next((k for k in (exc.fields) if k in values), None)
        if field:
            values.pop(field)
            return _ask(pending, exc.fields[field])
        return _reply(exc.message, None)
    except DomainError as exc:
        return _reply(exc.message, None)
    number = ticket["number"]
    result = _reply(_("Your request has been submitted as %(number)s. You will find it under "
                      "My requests.", number=number), None, ticket=number)
    result["links"] = [{"label": number, "url": f"/aanvragen/{number}"}]
    return result
