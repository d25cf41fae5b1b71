"""The assistant in one call: ``handle(user, text, conversation_id=None)``.

One pass per message: check the text, load the user's conversation, then, in this order,
a handed-over conversation passes the message to its ticket; a pending action runs on
"ja"/"bevestig" and is dropped on anything else; otherwise the intent decides between an
action (actions.py, through the other features' services) and an answer from the
knowledge base (answer.py). The turn is stored in one transaction, or not at all.

``store=False`` (the CLI and its batch mode) keeps nothing and therefore never carries
out a proposed change: the confirmation it waits for cannot come.
"""

from __future__ import annotations

import time

import numpy as np
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import parsing
from ..db import get_db, transaction
from ..errors import Invalid
from ..kb import service as kb
from ..search import service as search
from . import actions, answer, composer, faq, form, intents, store
from .actions import reply

WHERE_TO_GO = {
    "citizen": lambda: _("For your own affairs as a resident (passport, permits, taxes, waste) "
                         "go to denhaag.nl or call 14 070."),
    "hr": lambda: _("For leave, salary, expenses and sick leave go to the HR self-service "
                    "portal or your manager."),
    "it": lambda: _("For laptops, passwords, printers and software contact the IT service desk."),
    "general": lambda: "",
    "injection": lambda: _("I only show what you yourself may see, and do only what you "
                           "yourself may do."),
}
ACTIONS_NEEDING_LOGIN = ("ticket_status", "event_list", "event_signup", "event_cancel",
                         "handover", "enrol", "my_learning")


def clean_message(text) -> str:
    limit = int(current_app.config["ASSISTANT_MAX_CHARS"])
    errors: dict = {}
    value = parsing.text(text, "message", errors, required=True, max_length=limit)
    if errors:
        raise Invalid(errors["message"], errors)
    return value


def _source(candidate) -> dict:
    return {"id": candidate.id, "title": candidate.title, "url": candidate.url}


def _fallback(retrieval, category: str | None = None, offer_handover: bool = True) -> dict:
    if category:
        text = _("I cannot help you with that; I answer questions about data and the Datashop.")
        where = WHERE_TO_GO.get(category, lambda: "")()
        if where:
            text += " " + where
        return reply("fallback", text, category=category)
    text = _("I do not know the answer to that.")
    if str(get_locale() or "nl").startswith("en"):  # the knowledge base is written in Dutch
        text += " " + _("The knowledge base is in Dutch: a question in Dutch works best.")
    if offer_handover:
        text += " " + _("You can also ask me for a colleague (\u201cik wil een medewerker "
                        "spreken\u201d).")
    related = [_source(c) for c in retrieval.candidates[:3]] if retrieval else []
    if related:  # the articles follow the text as a list
        text += " " + _("Maybe this helps:")
    return reply("fallback", text, related=related)


def _answer(message: str, conversation: dict | None) -> dict:
    retrieval = answer.retrieve(message)
    decision = answer.decide(retrieval)
    best = retrieval.best
    if decision == "answer":
        retrieved = [_source(c) for c in retrieval.candidates[:3]]
        composed = _composed(message, retrieval) if composer.enabled() else None
        if composed is not None:
            return composed | {"confidence": best.confidence, "retrieved": retrieved}
        return reply("answer", best.passage, sources=[_source(best)],
                     confidence=best.confidence, retrieved=retrieved)
    if decision == "clarify":
        first, second = retrieval.candidates[:2]
        return reply("clarify", _("Do you mean %(a)s or %(b)s?", a=first.title, b=second.title),
                     choices=[_source(first), _source(second)], confidence=best.confidence,
                     retrieved=[_source(c) for c in retrieval.candidates[:3]])
    # Two-stage fallback: after a clarification or a miss in this conversation, hand over.
    if conversation and conversation["clarify_count"] >= 1:
        proposal = actions.handover_proposal()
        proposal["reply"] = _("I still cannot find it.") + " " + proposal["reply"]
        proposal["related"] = [_source(c) for c in retrieval.candidates[:3]]
        proposal["confidence"] = best.confidence if best else 0.0
        return proposal
    result = _fallback(retrieval)
    result["confidence"] = best.confidence if best else 0.0
    return result


def _composed(message: str, retrieval) -> dict | None:
    """The optional composer's answer from the passages of the documents that fit, each
    cited source linked; None (answer extractively) when it fails or cites nothing."""
    threshold = float(current_app.config["ASSISTANT_ANSWER_THRESHOLD"])
    fitting = [c for c in retrieval.candidates[:3] if c.confidence >= threshold]
    result = composer.compose(message, [(c.title, c.passage) for c in fitting])
    if result is None:
        return None
    return reply("answer", result.text, sources=[_source(fitting[i]) for i in result.cited])


def _act(user, intent, message: str, conversation: dict | None) -> dict:
    name = intent.name
    if name in ACTIONS_NEEDING_LOGIN and user is None:
        return actions.login_needed(name)
    if name == "greeting":
        return reply("greeting", _("Hello! Ask me a question about data, the Datashop or the "
                                   "learning track, or ask about your request or an event."))
    if name == "out_of_scope":
        return _fallback(None, intent.slots.get("category") or "general")
    if name == "handover":
        return actions.handover_proposal()
    if name == "ticket_status":
        return actions.ticket_status(user, intent.slots)
    if name == "new_request":
        if user is None:  # the form asks to log in; the conversation needs a user
            return actions.new_request(user, intent.slots, message)
        return form.start(user, intent.slots, message)
    if name == "event_list":
        return actions.event_list(user, intent.slots)
    if name in ("event_signup", "event_cancel"):
        return actions.propose_event(user, name, {**intent.slots, "text": message})
    if name in ("enrol", "my_learning"):
        return actions.learning(user, name, intent.slots)
    if name == "confirm":
        return reply("fallback", _("There is nothing to confirm right now."))
    if name == "deny":
        return reply("greeting", _("What else can I do for you?"))
    return _answer(message, conversation)


def _transcript(conversation_id: int | None, message: str) -> tuple[str, str]:
    """(subject, description) for a handover: every turn and the articles retrieved."""
    turns = store.messages(conversation_id) if conversation_id else []
    lines, links = [_("Conversation with the assistant:"), ""], {}
    for turn in turns:
        who = _("Question") if turn["role"] == "user" else _("Assistant")
        lines.append(f"[{who}] {turn['body']}")
        for src in turn["sources"]:
            links[src["url"]] = src["title"]
    questions = [t["body"] for t in turns if t["role"] == "user"]
    if not turns or turns[-1]["body"] != message:
        lines.append(f"[{_('Question')}] {message}")
        questions.append(message)
    base = str(current_app.config.get("BASE_URL") or "").rstrip("/")
    if links:
        lines += ["", _("Articles the assistant found:")]
        lines += [f"- {title}: {base}{url}" for url, title in links.items()]
    # The subject is the latest real question: the one the assistant could not answer.
    latest = next((q for q in reversed(questions) if intents.detect(q).name not in
                   ("handover", "confirm", "greeting")), questions[-1] if questions else "")
    return " ".join(latest.split())[:200], "\n".join(lines)


def _execute(user, pending: dict, conversation: dict | None, message: str) -> dict:
    action = pending["action"]
    if action == "event_signup":
        return actions.event_signup(user, pending["event"])
    if action == "event_cancel":
        return actions.event_cancel(user, pending["event"])
    if action == "enrol":
        return actions.enrol(user, pending["module"])
    if action == "handover":
        subject, transcript = _transcript(conversation["id"] if conversation else None, message)
        return actions.handover(user, subject, transcript)
    return reply("fallback", _("There is nothing to confirm right now."))


def handle(user, text, conversation_id: int | None = None, *, store_turn: bool = True,
           button_for: str | None = None) -> dict:
    """Answer one message. ``user`` is None when not logged in (answers only, not stored).
    ``button_for``: the message is a button of the reply that asked that step (form.step)."""
    started = time.perf_counter()
    message = clean_message(text)
    if user is None and not kb.can_read(None):
        result = actions.login_needed("fallback")
        return _finish(result, message, started, None)
    keep = store_turn and user is not None
    conversation = None
    if keep and conversation_id is not None:
        conversation = store.get_conversation(user.id, conversation_id)
    intent = intents.detect(message)
    if conversation and conversation["status"] == "handed_over":
        result = actions.add_to_ticket(user, conversation["ticket_number"], message)
    elif conversation and conversation["pending"] and \
            conversation["pending"].get("action") == form.ACTION:
        result = form.step(user, conversation["pending"], message, button_for)
    elif conversation and conversation["pending"]:
        pending = conversation["pending"]
        if intent.name == "confirm":
            result = _execute(user, pending, conversation, message)
        else:  # anything else drops the proposal; only a "no" needs saying so
            result = _act(user, intent, message, conversation)
            if intent.name == "deny":
                result["reply"] = _("OK, I did not do that.") + " " + result["reply"]
    else:
        result = _act(user, intent, message, conversation)
    if keep:
        result.update(_save(user, conversation, message, result))
    return _finish(result, message, started, conversation)


def _save(user, conversation: dict | None, message: str, result: dict) -> dict:
    db = get_db()
    with transaction(db):
        if conversation is None:
            conversation = store.create_conversation(db, user.id)
        cid = conversation["id"]
        store.add_message(db, cid, "user", message)
        message_id = store.add_message(db, cid, "assistant", result["reply"], result["action"],
                                       result.get("confidence"), result.get("sources", []),
                                       extra=result)
        values = {"pending": result.get("pending")}
        if result["action"] == "clarify" or (result["action"] == "fallback"
                                              and not result.get("category")):
            values["clarify_count"] = conversation["clarify_count"] + 1
        if result["action"] == "handover" and result.get("ticket"):
            values.update(status="handed_over", ticket_number=result["ticket"])
        store.update_conversation(db, cid, **values)
    return {"conversation_id": cid, "message_id": message_id}


def _finish(result: dict, message: str, started: float, conversation) -> dict:
    result["message"] = message
    result.setdefault("sources", [])
    result.setdefault("confidence", None)
    result.setdefault("links", [])
    result["took_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


CONTRACT_KEYS = ("message", "action", "reply", "sources", "confidence", "took_ms")
OPTIONAL_KEYS = ("ticket", "module", "event")


def to_json(result: dict, extra=()) -> dict:
    """The CLI/API contract: the fixed keys, the optional ones when they have a value."""
    out = {key: result.get(key) for key in CONTRACT_KEYS}
    for key in (*OPTIONAL_KEYS, *extra):
        if result.get(key) is not None:
            out[key] = result[key]
    return out


def panel_conversation(user) -> int | None:
    """The conversation a message from the panel on a new page goes on with: the user's
    latest, unless it was handed over or waits for an answer (a form step, a "ja") that
    the panel, showing none of it, cannot have given; None starts a new one."""
    latest = store.latest_conversation(user.id, open_only=True)
    return latest["id"] if latest and not latest["pending"] else None


def history(user) -> tuple[dict | None, list[dict]]:
    """The user's latest conversation and its messages (the /assistent page)."""
    if user is None:
        return None, []
    conversation = store.latest_conversation(user.id)
    return conversation, (store.messages(conversation["id"]) if conversation else [])


def backlog_groups(limit: int = 200, similarity: float | None = None) -> list[dict]:
    """Unanswered questions grouped by meaning, biggest group first.

    Each question joins the group whose centre (the mean of its members' vectors, from the
    search engine's embedder) is closest, when that is at least ``ASSISTANT_BACKLOG_SIMILARITY``
    and the question shares a word stem with the group, or at least
    ``ASSISTANT_BACKLOG_SIMILARITY_ALONE`` without one: "hoe lang duurt een dpia" and
    "doorlooptijd DPIA?" meet (0.52 with the packaged model), while "grofvuil" and
    "sterrenstelsels" (0.67: the packaged model is English and reads Dutch loosely) stay
    apart. When the engine cannot embed right now (keyword-only, model still loading) the
    questions are grouped by shared content words instead (Jaccard >= 0.5)."""
    done = faq.answered_questions()  # answered by a published FAQ entry since
    # Only questions for the knowledge base: not greetings, requests for a person, actions,
    # out-of-scope topics or messages added to a handed-over request.
    rows = [row for row in store.unanswered(limit)
            if intents.detect(row["question"]).name == "question"
            and row["question"] not in done]
    questions = [row["question"] for row in rows]
    vectors = search.embed(questions) if questions else None
    if vectors is None:
        groups = _group_by_words(questions)
        mode = "keyword"
    else:
        threshold = float(similarity if similarity is not None
                          else current_app.config["ASSISTANT_BACKLOG_SIMILARITY"])
        alone = float(current_app.config["ASSISTANT_BACKLOG_SIMILARITY_ALONE"])
        groups, centres = [], []
        for question, vector in zip(questions, vectors):
            stems = {w[:5] for w in answer.content_words(question)}
            best, best_sim = None, -1.0
            for k, centre in enumerate(centres):
                sim = float(vector @ centre) / (float(np.linalg.norm(centre)) or 1.0)
                fits = sim >= alone or (sim >= threshold and stems & groups[k]["stems"])
                if fits and sim > best_sim:
                    best, best_sim = k, sim
            if best is None:
                groups.append({"questions": [question], "count": 1, "stems": stems})
                centres.append(vector.astype(np.float64))
            else:
                groups[best]["questions"].append(question)
                groups[best]["stems"] |= stems
                groups[best]["count"] += 1
                n = groups[best]["count"]
                centres[best] = centres[best] * ((n - 1) / n) + vector / n
        mode = "meaning"
    for group in groups:
        group["questions"] = list(dict.fromkeys(group["questions"]))
        group["mode"] = mode
    return sorted(groups, key=lambda g: -g["count"])


def _group_by_words(questions: list[str], similarity: float = 0.5) -> list[dict]:
    """The fallback: groups of questions sharing content words (Jaccard)."""
    groups: list[dict] = []
    for question in questions:
        words = set(answer.content_words(question))
        for group in groups:
            union = words | group["words"]
            if union and len(words & group["words"]) / len(union) >= similarity:
                group["questions"].append(question)
                group["count"] += 1
                break
        else:
            groups.append({"words": words, "questions": [question], "count": 1})
    return groups
