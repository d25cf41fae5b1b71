"""Demo assistant conversations: a few answered (with thumbs up), a clarified one, questions
it could not answer (three of them about the same thing, so the staff backlog has a group),
thumbs down with a comment, and a handover that became a request.

Every turn goes through the assistant itself (``chat.service.handle``, which calls the
search engine, the desk and the other services) as the demo employee, while
``timeutil.set_now`` moves the clock over the last days, so the backlog and the figures at
/assistent/onbeantwoord look lived in and the conversations stay inside the retention.
Needs the knowledge base indexed (``portal kb sync`` and ``portal index rebuild`` first);
without an index nothing is loaded. Runs once: when a demo employee has a conversation,
nothing is loaded.
"""

from __future__ import annotations

from datetime import timedelta

from .. import timeutil
from ..db import get_db

# (email, days ago, [(message, feedback or None, comment)]); "<choice>" sends the first
# choice the assistant offered (a click on "Bedoel je A of B?").
CONVERSATIONS = [
    ("sanne.devries@denhaag.example", 9, [
        ("wie schrijft de dpia eigenlijk, moet de privacy officer dat doen?", 1, None),
        ("hoe lang duurt het om een dashboard te laten bouwen", 1, None)]),
    ("pieter.smit@denhaag.example", 8, [
        ("bevolking per wijk cijfers waar vind ik die", 1, None)]),
    ("noor.hendriks@denhaag.example", 7, [
        ("woz", None, None),
        ("<choice>", 1, None)]),
    ("ilse.kok@denhaag.example", 6, [
        ("hoe lang duurt het publiceren van een dataset op het open data portaal", -1,
         "Ik wilde weten hoe lang het duurt, niet of mijn dataset geschikt is.")]),
    ("youssef.haddou@denhaag.example", 5, [
        ("wie beheert de kademuren", None, None)]),
    ("emma.degraaf@denhaag.example", 4, [
        ("welke kademuren zijn in slechte staat", None, None)]),
    ("bram.willems@denhaag.example", 3, [
        ("hoeveel bruggen en kademuren heeft den haag", None, None)]),
    ("priya.ramdin@denhaag.example", 2, [
        ("mag ik tableau gebruiken ipv power bi", -1, "Geen antwoord op mijn vraag."),
        ("onderhoudsplanning kademuren per stadsdeel", None, None),
        ("ik wil een medewerker spreken", None, None),
        ("ja", None, None),
        ("Het gaat om de kademuren langs de grachten in het centrum.", None, None)]),
    ("thijs.vandijk@denhaag.example", 1, [
        ("wat doet het udp team precies", 1, None),
        ("welke modules zitten er in de leerlijn datagedreven werken", None, None)]),
]


def opening_messages() -> list[str]:
    return [turns[0][0] for _email, _days, turns in CONVERSATIONS]


def played(db) -> int:
    """How many conversations open with the first message of a demo conversation."""
    openings = opening_messages()
    return db.execute(
        "SELECT COUNT(DISTINCT conversation_id) FROM chat_messages WHERE role = 'user' AND"
        f" body IN ({','.join('?' * len(openings))})", openings).fetchone()[0]


def load_conversations(users: dict) -> str:
    """Play the demo conversations once; return a report line."""
    from ..chat import service as chat
    from ..chat import store
    from ..search import service as search

    db = get_db()
    if not search.index_status().get("chunks"):
        return ("Demo assistant conversations: the knowledge base is not indexed yet "
                "(portal kb sync, portal index rebuild), nothing loaded.")
    if played(db):  # (the demo activity's synthetic conversations do not count)
        return "Demo assistant conversations: already there, nothing loaded."
    previous = timeutil._frozen  # noqa: SLF001  (a test may have frozen the clock)
    now = timeutil.now()
    actions: dict[str, int] = {}
    try:
        for email, days, turns in CONVERSATIONS:
            user = users.get(email)
            if user is None:
                continue
            moment = (now - timedelta(days=days)).replace(hour=10, minute=5, second=0,
                                                          microsecond=0)
            conversation_id, last = None, None
            for message, feedback, comment in turns:
                timeutil.set_now(moment)
                if message == "<choice>":
                    choices = (last or {}).get("choices") or []
                    if not choices:
                        continue
                    message = choices[0]["title"]
                last = chat.handle(user, message, conversation_id)
                conversation_id = last.get("conversation_id", conversation_id)
                actions[last["action"]] = actions.get(last["action"], 0) + 1
                if feedback is not None and last.get("message_id"):
                    store.set_feedback(user.id, last["message_id"], feedback, comment)
                moment += timedelta(minutes=2)
    finally:
        timeutil.set_now(previous)
    summary = ", ".join(f"{n} {action}" for action, n in sorted(actions.items()))
    published = _publish_faq(users)
    return (f"Demo assistant conversations: {len(CONVERSATIONS)} loaded ({summary}); "
            f"{published} FAQ entry published from the backlog.")


# Joost (BI) answered one thumbs-down question from the backlog with a FAQ entry.
FAQ_ENTRY = {
    "question": "Mag ik Tableau gebruiken in plaats van Power BI",
    "answer": (
        "Power BI is de standaard voor dashboards in de gemeente: het team BI beheert de "
        "licenties, de gedeelde datasets en het beheer na oplevering. Tableau en andere "
        "pakketten zijn niet aangesloten op de gemeentelijke gegevensbronnen, en een "
        "dashboard daarin heeft geen beheerder als jij wegvalt.\n\n"
        "Heb je een goede reden voor een ander pakket (bijvoorbeeld een landelijke "
        "samenwerking die Tableau gebruikt), dien dan een aanvraag in bij de Datashop van het "
        "type *Dashboard*: het team BI kijkt mee en regelt zo nodig een uitzondering met "
        "IT.\n\nZie ook: [Een dashboard laten maken](/kennisbank/dashboard-laten-maken)"),
    "asked": ["mag ik tableau gebruiken ipv power bi"],
}


def _publish_faq(users: dict) -> int:
    from ..chat import faq

    author = users.get("joost.bakker@denhaag.example")
    if author is None:
        return 0
    faq.publish(author, FAQ_ENTRY)
    return 1
