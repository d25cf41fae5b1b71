"""The registry: every retention kind and every feature's part of a person's data.

A kind names its function ``(db, cutoff, dry_run) -> {count, examples, files?}`` and the
facts the processing register (verwerkingsregister) shows; the register, the README table
and ``portal retention run`` all read this list and RETENTION in portal/config.py.

The assistant adds its own kind and part (``portal.chat.privacy.register``, called by
``create_app``): nothing imports the assistant, so it registers itself here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..accounts import privacy as accounts
from ..audit import log as audit
from ..desk import privacy as desk
from ..events import privacy as events
from ..learning import privacy as learning
from ..mail import privacy as mail
from ..search import log as search_log


@dataclass(frozen=True)
class Kind:
    key: str                 # the key in RETENTION
    label: str               # English, for the CLI and the log
    purge: Callable          # (db, cutoff, dry_run) -> {count, examples, files?}
    # The processing register (Dutch content, like the knowledge base):
    gegevens: str            # what is stored
    doel: str                # why
    grondslag: str           # legal basis
    vanaf: str               # the retention period runs from ...
    gevolg: str              # what happens when the period has passed
    inzage: str              # who sees it


KINDS: list[Kind] = [
    Kind("tickets_closed", "closed tickets anonymised", desk.anonymise_closed_tickets,
         "Aanvragen bij de Datashop: onderwerp, omschrijving, afdeling, berichten, "
         "interne notities, geschiedenis en waardering, met naam en e-mailadres van de aanvrager",
         "De vraag beantwoorden en het werk van de Datashop verantwoorden",
         "Publieke taak (art. 6 lid 1 sub e AVG): de gemeentelijke informatievoorziening",
         "het sluiten van de aanvraag",
         "de aanvrager wordt 'Verwijderde gebruiker'; namen en e-mailadressen in de teksten "
         "worden vervangen; de aanvraag blijft voor de statistiek",
         "De aanvrager (eigen aanvragen) en medewerkers van de Datashop"),
    Kind("ticket_attachments", "ticket attachments deleted", desk.purge_attachments,
         "Bijlagen bij aanvragen en antwoorden", "De vraag beantwoorden",
         "Publieke taak (art. 6 lid 1 sub e AVG)", "het sluiten van de aanvraag",
         "de bestanden worden verwijderd",
         "De aanvrager en medewerkers van de Datashop"),
    Kind("search_log", "search log entries deleted", search_log.purge_before,
         "Zoekopdrachten zonder persoonsgegevens (tijd per uur, e-mailadressen en nummers "
         "vervangen, geen gebruiker of IP-adres)",
         "De kennisbank verbeteren (wat wordt gezocht en niet gevonden)",
         "Publieke taak (art. 6 lid 1 sub e AVG)", "de zoekopdracht",
         "de regels worden verwijderd", "Medewerkers van de Datashop (statistiek)"),
    Kind("login_attempts", "login attempts deleted", accounts.purge_login_attempts,
         "Inlogpogingen: e-mailadres, tijdstip, gelukt of niet",
         "Beveiliging: raden van wachtwoorden blokkeren en misbruik onderzoeken",
         "Publieke taak (art. 6 lid 1 sub e AVG), met de beveiligingsplicht van art. 32 AVG", "de inlogpoging",
         "de regels worden verwijderd", "Beheerders (bij een beveiligingsonderzoek)"),
    Kind("sessions", "login sessions ended", accounts.purge_sessions,
         "Inlogsessies op de server (een hash van de sessiesleutel, tijdstippen)",
         "Ingelogd blijven en sessies kunnen beëindigen",
         "Publieke taak (art. 6 lid 1 sub e AVG)", "het laatste gebruik",
         "de sessie vervalt (opnieuw inloggen)", "Niemand; alleen het systeem"),
    Kind("event_registrations", "event registrations anonymised", events.anonymise_registrations,
         "Aanmeldingen voor bijeenkomsten: wie, wachtlijst, aanwezigheid, feedback",
         "De bijeenkomst organiseren en verbeteren",
         "Publieke taak (art. 6 lid 1 sub e AVG)", "het einde van de bijeenkomst",
         "de naam verdwijnt; aantallen, aanwezigheid en feedbackscores blijven "
         "(bijgewoonde lessen van de leerlijn blijven bij het leerdossier)",
         "De deelnemer, de organisator en medewerkers van de Datashop"),
    Kind("quiz_answers", "quiz answers deleted", learning.purge_quiz_answers,
         "Antwoorden op toetsvragen van de leerlijn",
         "Uitleg per antwoord en inzicht in moeilijke vragen",
         "Publieke taak (art. 6 lid 1 sub e AVG); opleiding van medewerkers",
         "het inleveren van de toets",
         "de gekozen antwoorden worden verwijderd; score en resultaat blijven",
         "De deelnemer en medewerkers van de Datashop (zonder namen per vraag)"),
    Kind("assignments", "assignment texts and files deleted", learning.purge_assignments,
         "Opdrachten van de leerlijn: tekst, bestand en commentaar van de docent",
         "De opdracht beoordelen", "Publieke taak (art. 6 lid 1 sub e AVG); opleiding",
         "de beoordeling",
         "tekst, bestand en commentaar worden verwijderd; de beoordeling blijft",
         "De deelnemer, docenten van de module en medewerkers van de Datashop"),
    Kind("outbox", "sent mail deleted", mail.purge_outbox,
         "Verstuurde e-mail: adres, onderwerp, tekst, agenda-uitnodigingen",
         "Berichten betrouwbaar bezorgen en mislukte opnieuw sturen",
         "Publieke taak (art. 6 lid 1 sub e AVG)", "het klaarzetten van het bericht",
         "het bericht wordt verwijderd", "Beheerders (niet bezorgde mail)"),
    Kind("audit_log", "audit log entries deleted", audit.purge,
         "Het auditlog: welke beheerder wat deed en wanneer (rollen, import, wachtwoorden, "
         "inzage en verwijdering, bewaartermijnen)",
         "Verantwoording en controle op beheerhandelingen",
         "Wettelijke verplichting / verantwoordingsplicht (art. 5 lid 2 en art. 32 AVG)",
         "de handeling", "de regels worden verwijderd", "Beheerders"),
]


@dataclass(frozen=True)
class Part:
    key: str                 # file name in the export: <key>.json
    export: Callable         # (db, user_id, include_internal) -> {data, files}
    erase: Callable          # (db, user_id, dry_run) -> {counts, files}


# Erasure runs in this order: accounts last, the others still need the name and address.
PARTS: list[Part] = [
    Part("desk", desk.export_person, desk.erase_person),
    Part("events", events.export_person, events.erase_person),
    Part("learning", learning.export_person, learning.erase_person),
    Part("mail", mail.export_person, mail.erase_person),
    Part("audit", audit.export_person, audit.erase_person),
    Part("account", accounts.export_person, accounts.erase_person),
]


def _place(items: list, item, after: str | None = None, before: str | None = None) -> None:
    """Put ``item`` after (or before) the entry with that key, replacing one with its key."""
    items[:] = [i for i in items if i.key != item.key]
    keys = [i.key for i in items]
    if after in keys:
        items.insert(keys.index(after) + 1, item)
    elif before in keys:
        items.insert(keys.index(before), item)
    else:
        items.append(item)


def add_kind(item: Kind, after: str | None = None) -> None:
    """Register a feature's retention kind (idempotent: the same key replaces)."""
    _place(KINDS, item, after=after)


def add_part(item: Part, before: str | None = "account") -> None:
    """Register a feature's part of a person's data; by default erased before the account."""
    _place(PARTS, item, before=before)


def kind(key: str) -> Kind:
    for item in KINDS:
        if item.key == key:
            return item
    raise KeyError(key)
