"""Privacy of the assistant: conversations go after RETENTION["assistant_conversations"]
days (the one retention mechanism; `portal assistant purge` is a shortcut to it), and one
person's conversations for an export or an erasure (see portal/accounts/privacy.py)."""

from __future__ import annotations

from ..db import purge_rows


def purge_conversations(db, cutoff: str, dry_run: bool) -> dict:
    return purge_rows(
        db, "FROM chat_conversations WHERE updated_at < ?", [cutoff],
        "id, updated_at, (SELECT count(*) FROM chat_messages m"
        " WHERE m.conversation_id = chat_conversations.id) AS n",
        lambda r: f"#{r['id']} ({r['updated_at'][:10]}, {r['n']} berichten)", "updated_at",
        dry_run)


def export_person(db, user_id: int, include_internal: bool = True) -> dict:
    conversations = [dict(r) for r in db.execute(
        "SELECT id, status, ticket_number, created_at, updated_at FROM chat_conversations"
        " WHERE user_id = ? ORDER BY id", [user_id])]
    for conversation in conversations:
        conversation["messages"] = [dict(r) for r in db.execute(
            "SELECT role, body, action, feedback, feedback_comment, created_at FROM chat_messages"
            " WHERE conversation_id = ? ORDER BY id", [conversation["id"]])]
    faq_entries = [dict(r) for r in db.execute(
        "SELECT id, question, created_at FROM chat_faq_entries WHERE created_by = ? ORDER BY id",
        [user_id])]
    return {"data": {"conversations": conversations, "faq_entries_written": faq_entries},
            "files": []}


def erase_person(db, user_id: int, dry_run: bool) -> dict:
    count = db.execute("SELECT count(*) FROM chat_conversations WHERE user_id = ?",
                       [user_id]).fetchone()[0]
    if not dry_run:
        db.execute("DELETE FROM chat_conversations WHERE user_id = ?", [user_id])
        # published FAQ entries are knowledge base content: they stay, without their author
        db.execute("UPDATE chat_faq_entries SET created_by = NULL WHERE created_by = ?",
                   [user_id])
    return {"counts": {"conversations": count}, "files": []}


def register() -> None:
    """Add the assistant's retention kind and its part of a person's data to the privacy
    registry (called by create_app; the privacy package does not import the assistant)."""
    from ..privacy import registry

    registry.add_kind(registry.Kind(
        "assistant_conversations", "assistant conversations deleted", purge_conversations,
        "Gesprekken met de assistent: vragen, antwoorden en feedback",
        "Het gesprek kunnen voortzetten en de assistent verbeteren",
        "Publieke taak (art. 6 lid 1 sub e AVG)", "het laatste bericht",
        "het gesprek wordt verwijderd",
        "De gebruiker zelf; medewerkers zien onbeantwoorde vragen zonder naam"),
        after="ticket_attachments")
    registry.add_part(registry.Part("assistant", export_person, erase_person), before="mail")
