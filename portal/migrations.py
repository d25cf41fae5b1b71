"""Every table, index and FTS table, in order. ``portal db upgrade`` applies them.

A migration is a function that takes a sqlite-utils Database and changes it.
Append new ones at the end of ``MIGRATIONS``; never edit one that has shipped.
Each runs in its own transaction together with the row that records it.
"""

from __future__ import annotations

from datetime import datetime, timezone

import sqlite3

import sqlite_utils

from .db import transaction


def _script(db: sqlite_utils.Database, sql: str) -> None:
    """Run several statements inside the current transaction.

    ``sqlite3.executescript`` would COMMIT first, so statements are split
    (``complete_statement`` keeps trigger bodies whole) and run one by one.
    """
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                db.execute(buffer)
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement: {buffer[:80]!r}")


def _0001_accounts(db: sqlite_utils.Database) -> None:
    _script(db, 
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE COLLATE NOCASE,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('employee', 'staff', 'admin')),
            department TEXT,
            password_hash TEXT,
            -- single sign-on later: the identity provider's issuer and subject
            external_issuer TEXT,
            external_subject TEXT,
            locale TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            last_login_at TEXT,
            UNIQUE (external_issuer, external_subject)
        );
        CREATE TABLE user_teams (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            team TEXT NOT NULL,
            PRIMARY KEY (user_id, team)
        );
        CREATE INDEX idx_user_teams_team ON user_teams(team);
        CREATE TABLE login_attempts (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL COLLATE NOCASE,
            success INTEGER NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX idx_login_attempts_email_at ON login_attempts(email, at);
        CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            prefix TEXT NOT NULL,
            created_at TEXT NOT NULL,
            last_used_at TEXT,
            revoked_at TEXT
        );
        """
    )


def _0002_desk(db: sqlite_utils.Database) -> None:
    _script(db, 
        """
        CREATE TABLE ticket_counters (
            year INTEGER PRIMARY KEY,
            last INTEGER NOT NULL
        );
        CREATE TABLE tickets (
            id INTEGER PRIMARY KEY,
            number TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            subject TEXT NOT NULL,
            description TEXT NOT NULL,
            department TEXT NOT NULL,
            desired_date TEXT,
            personal_data TEXT NOT NULL CHECK (personal_data IN ('yes', 'no', 'unknown')),
            extra TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'new'
                CHECK (status IN ('new', 'in_progress', 'waiting', 'resolved', 'closed')),
            priority TEXT NOT NULL DEFAULT 'normal'
                CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
            team TEXT,
            assignee_id INTEGER REFERENCES users(id),
            requester_id INTEGER NOT NULL REFERENCES users(id),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            first_response_at TEXT,
            resolved_at TEXT,
            closed_at TEXT,
            -- SLA clock: due moments shift while the ticket waits on the requester
            response_due_at TEXT,
            response_risk_at TEXT,
            resolve_due_at TEXT,
            resolve_risk_at TEXT,
            waiting_since TEXT,
            sla_remaining TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX idx_tickets_status_created ON tickets(status, created_at);
        CREATE INDEX idx_tickets_requester ON tickets(requester_id, created_at);
        CREATE INDEX idx_tickets_assignee ON tickets(assignee_id, status);
        CREATE INDEX idx_tickets_team ON tickets(team, status);
        CREATE INDEX idx_tickets_type ON tickets(type, status);
        CREATE INDEX idx_tickets_department ON tickets(department, status);
        CREATE INDEX idx_tickets_priority ON tickets(priority, status);
        CREATE INDEX idx_tickets_resolve_due ON tickets(resolve_due_at);
        CREATE INDEX idx_tickets_response_due ON tickets(response_due_at);
        CREATE INDEX idx_tickets_updated ON tickets(updated_at);
        CREATE TABLE ticket_tags (
            ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY (ticket_id, tag)
        );
        CREATE INDEX idx_ticket_tags_tag ON ticket_tags(tag);
        CREATE TABLE comments (
            id INTEGER PRIMARY KEY,
            ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
            author_id INTEGER REFERENCES users(id),
            body TEXT NOT NULL,
            internal INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_comments_ticket ON comments(ticket_id, created_at);
        CREATE TABLE attachments (
            id INTEGER PRIMARY KEY,
            ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
            comment_id INTEGER REFERENCES comments(id) ON DELETE CASCADE,
            filename TEXT NOT NULL,
            stored_name TEXT NOT NULL UNIQUE,
            content_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            uploaded_by INTEGER REFERENCES users(id),
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_attachments_ticket ON attachments(ticket_id);
        CREATE TABLE ticket_events (
            id INTEGER PRIMARY KEY,
            ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
            actor_id INTEGER REFERENCES users(id),
            at TEXT NOT NULL,
            field TEXT NOT NULL,
            old TEXT,
            new TEXT
        );
        CREATE INDEX idx_ticket_events_ticket ON ticket_events(ticket_id, at);
        CREATE TABLE ratings (
            ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
            score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
            comment TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE canned_replies (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            team TEXT,
            created_by INTEGER REFERENCES users(id),
            created_at TEXT NOT NULL
        );
        """
    )


def _0003_outbox(db: sqlite_utils.Database) -> None:
    _script(db, 
        """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            created_at TEXT NOT NULL,
            to_addr TEXT NOT NULL,
            subject TEXT NOT NULL,
            body_text TEXT NOT NULL,
            body_html TEXT,
            headers TEXT NOT NULL DEFAULT '{}',
            ticket_id INTEGER REFERENCES tickets(id) ON DELETE SET NULL,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            sent_at TEXT
        );
        CREATE INDEX idx_outbox_pending ON outbox(status, next_attempt_at);
        """
    )


def _0004_kb(db: sqlite_utils.Database) -> None:
    _script(db, 
        """
        -- Knowledge documents: knowledge/ and courses/ files and imported register entries.
        -- SQLite is the source of truth; the search index is derived from this table.
        CREATE TABLE documents (
            id TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            title TEXT NOT NULL,
            summary TEXT NOT NULL DEFAULT '',
            body TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]',
            team TEXT,
            updated TEXT,
            source TEXT NOT NULL,
            path TEXT,
            meta TEXT NOT NULL DEFAULT '{}',
            content_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            modified_at TEXT NOT NULL
        );
        CREATE INDEX idx_documents_type ON documents(type);
        CREATE INDEX idx_documents_source ON documents(source);
        """
    )


def _0005_search(db: sqlite_utils.Database) -> None:
    _script(db,
        """
        -- The search index, derived from documents by `portal index rebuild`.
        -- One row per indexed document: what was indexed (content hash) and how it shows.
        CREATE TABLE search_documents (
            document_id TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            title TEXT NOT NULL,
            url TEXT NOT NULL,
            summary TEXT NOT NULL DEFAULT '',
            content_hash TEXT NOT NULL,
            indexed_at TEXT NOT NULL
        );
        CREATE INDEX idx_search_documents_type ON search_documents(type);
        -- Passages; the id is also the faiss id. AUTOINCREMENT: ids are never reused,
        -- so an old faiss file can never point at a different passage.
        CREATE TABLE search_chunks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            document_id TEXT NOT NULL REFERENCES search_documents(document_id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            heading TEXT,
            anchor TEXT,
            text TEXT NOT NULL,
            embed_text TEXT NOT NULL,
            vector BLOB,          -- float32, normalised; NULL until embedded
            model TEXT            -- the model that made the vector
        );
        CREATE INDEX idx_search_chunks_document ON search_chunks(document_id, ordinal);
        -- Keywords: stemmed Dutch tokens (made in Python, see portal/search/text.py).
        CREATE VIRTUAL TABLE chunks_fts USING fts5(title, tags, heading, body, tokenize = 'unicode61');
        CREATE TABLE search_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """
    )


def _0006_search_ui(db: sqlite_utils.Database) -> None:
    _script(db,
        """
        -- Search log without personal data: no user, no IP, no session; the time is
        -- rounded to the hour and the query is scrubbed (see portal/search/log.py).
        CREATE TABLE search_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            query TEXT NOT NULL,
            result_count INTEGER NOT NULL,
            types TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL CHECK (source IN ('web', 'api', 'suggest', 'cli', 'chat')),
            mode TEXT NOT NULL DEFAULT '',
            took_ms INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX idx_search_log_at ON search_log(at);
        CREATE INDEX idx_search_log_query ON search_log(query, at);
        -- "Maybe this already helps" on the desk form: one row per form visit (a random
        -- id made when the form renders), which articles were shown and opened, and
        -- whether a request was still submitted. No user, no ticket id.
        CREATE TABLE suggest_sessions (
            id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            submitted INTEGER NOT NULL DEFAULT 0,
            logged_query TEXT
        );
        CREATE INDEX idx_suggest_sessions_created ON suggest_sessions(created_at);
        CREATE TABLE suggest_shown (
            session_id TEXT NOT NULL REFERENCES suggest_sessions(id) ON DELETE CASCADE,
            document_id TEXT NOT NULL,
            PRIMARY KEY (session_id, document_id)
        );
        CREATE TABLE suggest_opened (
            session_id TEXT NOT NULL REFERENCES suggest_sessions(id) ON DELETE CASCADE,
            document_id TEXT NOT NULL,
            PRIMARY KEY (session_id, document_id)
        );
        -- Similar tickets: stemmed subject + description per ticket (rowid = ticket id),
        -- brought up to date lazily from tickets.updated_at before each lookup.
        CREATE VIRTUAL TABLE similar_tickets_fts USING fts5(terms, tokenize = 'unicode61');
        CREATE TABLE similar_tickets_state (
            ticket_id INTEGER PRIMARY KEY,
            updated_at TEXT NOT NULL
        );
        """
    )


def _0007_desk_queue_created_index(db: sqlite_utils.Database) -> None:
    _script(db,
        """
        -- The queue sorted by newest/oldest over all statuses walks this index instead of
        -- sorting every ticket (benchmarks/desk_queue.py: 100,000 tickets, 230 ms -> 2 ms).
        CREATE INDEX idx_tickets_created ON tickets(created_at);
        """
    )


def _0008_sessions_and_outbox(db: sqlite_utils.Database) -> None:
    """Server-side login sessions (logout, password and role changes end them); uploads
    in flight (a sweep removes files no row points to); outbox expiry for retries."""
    _script(db,
        """
        CREATE TABLE user_sessions (
            id TEXT PRIMARY KEY,            -- sha256 of the random id kept in the cookie
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL
        );
        CREATE INDEX idx_user_sessions_user ON user_sessions(user_id);
        ALTER TABLE outbox ADD COLUMN expires_at TEXT;
        CREATE TABLE ticket_views (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
            seen_at TEXT NOT NULL,
            PRIMARY KEY (user_id, ticket_id)
        );
        ALTER TABLE tickets ADD COLUMN requester_updated_at TEXT;
        """
    )


def _0010_outbox_attachments(db: sqlite_utils.Database) -> None:
    _script(db,
        """
        -- Text attachments of a mail (an .ics invitation), JSON: [{filename, content_type,
        -- params, content}]; stored with the message so a retry sends the same bytes.
        ALTER TABLE outbox ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
        """
    )


def _0011_events(db: sqlite_utils.Database) -> None:
    _script(db,
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            type TEXT NOT NULL CHECK (type IN ('meetup', 'spreekuur', 'workshop', 'module_session')),
            description TEXT NOT NULL DEFAULT '',
            starts_at TEXT NOT NULL,            -- UTC ISO
            ends_at TEXT NOT NULL CHECK (ends_at > starts_at),
            location TEXT,
            online_url TEXT,
            capacity INTEGER NOT NULL CHECK (capacity > 0),
            signup_deadline TEXT,               -- UTC ISO; sign-ups close after it
            organiser_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            module TEXT,                        -- a course module of the learning track, or NULL
            status TEXT NOT NULL DEFAULT 'draft'
                CHECK (status IN ('draft', 'published', 'cancelled')),
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            published_at TEXT,
            cancelled_at TEXT
        );
        CREATE INDEX idx_events_status_start ON events(status, starts_at);
        CREATE TABLE event_tags (
            event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY (event_id, tag)
        );
        -- One row per person and event, kept when cancelled (the calendar UID stays the same).
        -- queue_no orders sign-ups: the waiting list is promoted by it.
        CREATE TABLE registrations (
            id INTEGER PRIMARY KEY,
            event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
            guest_name TEXT,                    -- a walk-in without an account
            status TEXT NOT NULL
                CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'walk_in')),
            queue_no INTEGER NOT NULL,
            uid TEXT NOT NULL UNIQUE,           -- iCalendar UID of this registration
            sequence INTEGER NOT NULL DEFAULT 0,  -- iCalendar SEQUENCE, raised on every change
            attended INTEGER NOT NULL DEFAULT 0,
            checked_in_at TEXT,
            reminded_at TEXT,
            feedback_score INTEGER CHECK (feedback_score BETWEEN 1 AND 5),
            feedback_comment TEXT,
            feedback_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            confirmed_at TEXT,
            cancelled_at TEXT,
            UNIQUE (event_id, user_id),
            UNIQUE (event_id, queue_no),
            CHECK (user_id IS NOT NULL OR guest_name IS NOT NULL)
        );
        CREATE INDEX idx_registrations_user ON registrations(user_id, status);
        CREATE INDEX idx_registrations_event ON registrations(event_id, status, queue_no);
        -- The personal calendar feed: a secret URL per user (only its hash is stored).
        CREATE TABLE calendar_feeds (
            user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        );
        """
    )


def _0020_chat(db: sqlite_utils.Database) -> None:
    """The assistant's conversations (kept ASSISTANT_RETENTION_DAYS), messages and feedback."""
    _script(db,
        """
        CREATE TABLE chat_conversations (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'handed_over')),
            ticket_number TEXT,
            pending TEXT,
            clarify_count INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX idx_chat_conversations_user ON chat_conversations(user_id, updated_at);
        CREATE INDEX idx_chat_conversations_updated ON chat_conversations(updated_at);
        CREATE TABLE chat_messages (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES chat_conversations(id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
            body TEXT NOT NULL,
            action TEXT,
            confidence REAL,
            sources TEXT NOT NULL DEFAULT '[]',
            feedback INTEGER CHECK (feedback IN (-1, 1)),
            feedback_comment TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_chat_messages_conversation ON chat_messages(conversation_id, id);
        CREATE INDEX idx_chat_messages_action ON chat_messages(action, created_at);
        """
    )


def _0012_learning(db: sqlite_utils.Database) -> None:
    _script(db,
        """
        CREATE TABLE learning_enrolments (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            module_id TEXT NOT NULL,
            enrolled_at TEXT NOT NULL,
            completed_at TEXT,
            UNIQUE (user_id, module_id)
        );
        CREATE TABLE learning_waivers (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            module_id TEXT NOT NULL,
            prerequisite_id TEXT NOT NULL,
            reason TEXT NOT NULL,
            waived_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            waived_at TEXT NOT NULL,
            UNIQUE (user_id, module_id, prerequisite_id)
        );
        CREATE TABLE learning_reading (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            module_id TEXT NOT NULL,
            section TEXT NOT NULL,
            read_at TEXT NOT NULL,
            PRIMARY KEY (user_id, module_id, section)
        );
        CREATE TABLE learning_quiz_attempts (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            module_id TEXT NOT NULL,
            attempt_no INTEGER NOT NULL,
            question_order TEXT NOT NULL,
            started_at TEXT NOT NULL,
            submitted_at TEXT,
            score INTEGER,
            passed INTEGER,
            UNIQUE (user_id, module_id, attempt_no)
        );
        CREATE INDEX learning_quiz_attempts_module ON learning_quiz_attempts (module_id, submitted_at);
        CREATE TABLE learning_quiz_answers (
            attempt_id INTEGER NOT NULL REFERENCES learning_quiz_attempts(id) ON DELETE CASCADE,
            question_id TEXT NOT NULL,
            option_ids TEXT NOT NULL,
            correct INTEGER NOT NULL,
            PRIMARY KEY (attempt_id, question_id)
        );
        CREATE TABLE learning_certificates (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            track TEXT NOT NULL,
            module_id TEXT,
            title TEXT NOT NULL,
            issued_at TEXT NOT NULL,
            revoked_at TEXT,
            revoked_reason TEXT,
            revoked_by INTEGER REFERENCES users(id) ON DELETE SET NULL
        );
        CREATE UNIQUE INDEX learning_certificates_one ON learning_certificates
            (user_id, track, COALESCE(module_id, ''));
        CREATE TABLE learning_assignments (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            module_id TEXT NOT NULL,
            body TEXT NOT NULL,
            file_name TEXT,
            file_stored TEXT,
            file_type TEXT,
            file_size INTEGER,
            status TEXT NOT NULL DEFAULT 'submitted'
                CHECK (status IN ('submitted', 'approved', 'revise')),
            submitted_at TEXT NOT NULL,
            reviewer_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            review_comment TEXT,
            reviewed_at TEXT
        );
        CREATE INDEX learning_assignments_user ON learning_assignments (user_id, module_id);
        """
    )


def _0013_learning_teachers(db: sqlite_utils.Database) -> None:
    _script(db,
        """
        CREATE TABLE learning_teachers (
            user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            max_per_quarter INTEGER NOT NULL DEFAULT 3 CHECK (max_per_quarter BETWEEN 0 AND 50),
            active INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE learning_teacher_modules (
            user_id INTEGER NOT NULL REFERENCES learning_teachers(user_id) ON DELETE CASCADE,
            module_id TEXT NOT NULL,
            PRIMARY KEY (user_id, module_id)
        );
        CREATE TABLE learning_teacher_unavailable (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES learning_teachers(user_id) ON DELETE CASCADE,
            starts_on TEXT NOT NULL,
            ends_on TEXT NOT NULL,
            reason TEXT,
            CHECK (ends_on >= starts_on)
        );
        CREATE TABLE learning_session_teachers (
            event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL REFERENCES learning_teachers(user_id) ON DELETE CASCADE,
            assigned_at TEXT NOT NULL,
            PRIMARY KEY (event_id, user_id)
        );
        CREATE INDEX learning_session_teachers_user ON learning_session_teachers (user_id);
        """
    )


def _0014_event_hosts(db: sqlite_utils.Database) -> None:
    """Hosts of an event besides its organiser (a module session's second teacher): they see
    the attendee list and check people in. Filled from the session teachers already assigned."""
    _script(db,
        """
        CREATE TABLE event_hosts (
            event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            added_at TEXT NOT NULL,
            PRIMARY KEY (event_id, user_id)
        );
        CREATE INDEX idx_event_hosts_user ON event_hosts(user_id);
        INSERT INTO event_hosts (event_id, user_id, added_at)
            SELECT event_id, user_id, assigned_at FROM learning_session_teachers;
        """
    )


def _0030_sso_sessions(db: sqlite_utils.Database) -> None:
    """A login session that came from single sign-on keeps the ID token it was started with,
    server-side (a cookie is too small for it), for the id_token_hint of RP-initiated logout.
    It goes with the session row."""
    db.execute("ALTER TABLE user_sessions ADD COLUMN sso_id_token TEXT")


def _0040_audit_log(db: sqlite_utils.Database) -> None:
    """Admin actions (who, what, when), kept RETENTION["audit_log"] days (portal/audit)."""
    _script(db,
        """
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            actor TEXT NOT NULL,            -- e-mail address of the actor, or 'cli'
            action TEXT NOT NULL,
            subject TEXT NOT NULL DEFAULT '',
            details TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX idx_audit_log_at ON audit_log(at);
        CREATE INDEX idx_audit_log_action ON audit_log(action, at);
        -- closed tickets whose requester was replaced by the placeholder (retention)
        ALTER TABLE tickets ADD COLUMN anonymised_at TEXT;
        """
    )


def _0050_worker_jobs(db: sqlite_utils.Database) -> None:
    """The one worker (portal/ops): a lease per job and what each job did last."""
    _script(db,
        """
        CREATE TABLE job_leases (
            job TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        CREATE TABLE job_runs (
            job TEXT PRIMARY KEY,
            last_started_at TEXT,
            last_finished_at TEXT,
            last_result TEXT CHECK (last_result IN ('ok', 'error')),
            last_message TEXT,
            last_holder TEXT,
            failures INTEGER NOT NULL DEFAULT 0,
            next_due_at TEXT
        );
        """
    )


def _0060_chat_faq(db: sqlite_utils.Database) -> None:
    """FAQ entries staff publish from the assistant's backlog of unanswered questions; the
    questions they answer (``asked``, JSON) leave the backlog."""
    _script(db,
        """
        CREATE TABLE chat_faq_entries (
            id INTEGER PRIMARY KEY,
            question TEXT NOT NULL,
            answer TEXT NOT NULL,
            asked TEXT NOT NULL DEFAULT '[]',
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL
        );
        """
    )


def _0070_chat_message_extra(db: sqlite_utils.Database) -> None:
    """What a reply showed besides its text (links, related articles, choice buttons), so a
    reloaded or JavaScript-free page shows the conversation as it was."""
    _script(db, "ALTER TABLE chat_messages ADD COLUMN extra TEXT NOT NULL DEFAULT '{}';")


MIGRATIONS = [
    ("0001_accounts", _0001_accounts),
    ("0002_desk", _0002_desk),
    ("0003_outbox", _0003_outbox),
    ("0004_kb", _0004_kb),
    ("0005_search", _0005_search),
    ("0006_search_ui", _0006_search_ui),
    ("0007_desk_queue_created_index", _0007_desk_queue_created_index),
    ("0008_sessions_and_outbox", _0008_sessions_and_outbox),
    ("0010_outbox_attachments", _0010_outbox_attachments),
    ("0011_events", _0011_events),
    ("0012_learning", _0012_learning),
    ("0013_learning_teachers", _0013_learning_teachers),
    ("0014_event_hosts", _0014_event_hosts),
    ("0020_chat", _0020_chat),
    ("0030_sso_sessions", _0030_sso_sessions),
    ("0040_audit_log", _0040_audit_log),
    ("0050_worker_jobs", _0050_worker_jobs),
    ("0060_chat_faq", _0060_chat_faq),
    ("0070_chat_message_extra", _0070_chat_message_extra),
]


def applied(db: sqlite_utils.Database) -> set[str]:
    if "schema_migrations" not in db.table_names():
        return set()
    return {row["name"] for row in db.query("SELECT name FROM schema_migrations")}


def upgrade(db: sqlite_utils.Database) -> list[str]:
    """Apply every pending migration; return the names applied."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = applied(db)
    ran = []
    for name, migrate in MIGRATIONS:
        if name in done:
            continue
        with transaction(db):
            migrate(db)
            db.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                [name, datetime.now(timezone.utc).isoformat(timespec="seconds")],
            )
        ran.append(name)
    return ran


def pending(db: sqlite_utils.Database) -> list[str]:
    done = applied(db)
    return [name for name, _ in MIGRATIONS if name not in done]


def ensure_schema() -> list[str]:
    """Apply pending migrations on the app's database (for CLI commands that need data,
    so that a fresh instance works without a separate `portal db upgrade`)."""
    from .db import get_db

    return upgrade(get_db())
