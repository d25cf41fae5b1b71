"""What a message asks for: deterministic patterns, no model, no network.

``detect(text)`` returns an Intent: an action name (see ACTIONS) or "question" (answer
from the knowledge base), with the slots the patterns found (ticket number, hints).
Out-of-scope topics (citizen matters, HR, IT helpdesk, general knowledge) and prompt
injections are recognised here by topic; answer.py adds the retrieval confidence.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

ACTIONS = ("answer", "clarify", "fallback", "handover", "ticket_status", "new_request",
           "event_list", "event_signup", "event_cancel", "enrol", "my_learning", "greeting")


@dataclass
class Intent:
    name: str  # an action of ACTIONS, "question", "out_of_scope" or "confirm"/"deny"
    slots: dict = field(default_factory=dict)


def normalise(text: str) -> str:
    """Lowercase without accents, single spaces: the form every pattern matches."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.lower().split())


def _any(*patterns: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


TICKET_RE = re.compile(r"\bds[\s-]?(\d{4})[\s-]?(\d{1,4})\b")

GREETING = re.compile(r"^(hoi|hallo|hey|hi|hello|dag|goede(morgen|middag|navond)|good (morning|"
                      r"afternoon)|moi|yo)\b[\s!.,]*(datashop|allemaal|daar)?[\s!.,]*$")
CONFIRM = re.compile(r"^(ja|jazeker|ja graag|ja hoor|bevestig|bevestigen|akkoord|oke?|ok|doe maar|"
                     r"indienen|verstuur|versturen|yes|confirm)[\s!.]*$")

DENY = re.compile(r"^(nee|nee hoor|nee dank je|nee bedankt|nee toch niet|niet doen|liever niet|"
                  r"laat maar|no|no thanks|don'?t)\b[\s!.,]*")

HANDOVER = _any(r"\b(medewerker|mens|persoon) (spreken|nodig)", r"\bmag ik een (mens|medewerker)",
                r"\bkan ik iemand (bellen|spreken)", r"\bterugbellen\b", r"\bterug bellen\b",
                r"\bcontact met iemand\b", r"\biemand (spreken|bellen)\b",
                r"\b(talk|speak) (to|with) (a |an )?(human|person|someone|colleague|employee)\b",
                r"\bhandover\b", r"\bmet een mens\b", r"\bis (er|daar) iemand\b",
                r"\biemand van (de datashop|jullie)\b.*\b(spreken|bellen|spreek)\b")

INJECTION = _any(r"\b(negeer|vergeet|ignore|forget)\b.*\b(instructies|regels|instructions|rules|"
                 r"prompt)", r"\bsysteem ?prompt\b", r"\bsystem ?prompt\b", r"^system:",
                 r"\bdebug mode\b", r"\bje bent nu\b", r"\byou are (now|dan)\b", r"\bdan now\b",
                 r"\b(api ?keys?|wachtwoorden|passwords|configuratie dump|dump je)\b",
                 r"\balle (tickets|gebruikers|medewerkers)\b", r"\ball (tickets|users)\b",
                 r"\bherhaal de tekst\b", r"\bbsn'?s uit\b", r"\btoon (de |alle )?bsn", r"\btoestemming:",
                 r"\be-?mailadressen en telefoonnummers\b", r"\bjailbreak\b")

OUT_OF_SCOPE = {
    "citizen": _any(r"\bpaspoort", r"\bidentiteitskaart", r"\brijbewijs", r"\bparkeervergunning",
                    r"\bafvalkalender", r"\bgrofvuil", r"\bbezwaar .*\bwoz\b", r"\bwoz[- ]?beschikking",
                    r"\bkwijtschelding .*\b(krijgen|aanvragen)\b", r"\bzelf kwijtschelding",
                    r"\bbijstand aanvragen", r"\bverhuizing doorgeven", r"\bverhuizen doorgeven",
                    r"\buittreksel\b", r"\btrouwen\b",
                    r"\bpassport\b", r"\bid card\b", r"\bdriving licen[cs]e\b",
                    r"\bparking permit\b", r"\bbulky waste\b"),
    "hr": _any(r"\bverlof\b", r"\bsalaris", r"\bloonstrook", r"\bdeclaratie", r"\breiskosten",
               r"\bvakantiedagen", r"\bziek ?melden", r"\bmeld ik me ziek", r"\bziekmelding",
               r"\bfunctioneringsgesprek", r"\b(annual|parental|sick) leave\b",
               r"\bleave (request|days)\b", r"\bdays off\b", r"\bsalary\b",
               r"\bpayslip\b", r"\bcall in sick\b", r"\bexpense claim"),
    "it": _any(r"\bwachtwoord vergeten", r"\bprinter\b", r"\bteams doet", r"\bgeen geluid",
               r"\bdata-?abonnement", r"\b(excel|outlook|word) (crasht|werkt niet|doet raar)",
               r"\bcrasht\b", r"\bvpn\b", r"\blaptop\b", r"\bmijn telefoon\b",
               r"\b(forgot|reset) (my )?password\b", r"\bmy phone\b"),
    "general": _any(r"\bhoofdstad\b", r"\bweer\b.*\bmorgen\b", r"\bweerbericht", r"\brecept\b",
                    r"\bvoetbal", r"\brestaurant", r"\binstagram", r"\bfacebook\b", r"\btiktok\b",
                    r"\bvan mijn auto\b", r"\bmijn auto\b"),
}

TICKET_STATUS = _any(r"\bhoe staat het\b", r"\bstatus\b", r"\bal opgepakt\b",
                     r"\bmijn (aanvraag|aanvragen|ticket|tickets|request|verzoek)\b.*\b(gebeurd|status|"
                     r"staat|wacht)", r"\bwaarom staat mijn\b",
                     r"\b(niks|niets) gehoord over mijn\b", r"\bmijn openstaande aanvragen\b",
                     r"\boverzicht van mijn (aanvragen|tickets)\b",
                     r"\bwanneer krijg ik\b.*\b(gevraagd|aangevraagd)\b",
                     r"\bhoe ver zijn jullie met\b", r"\bmijn aanvraag over\b")

NEW_REQUEST = _any(r"\bnieuwe aanvraag\b", r"\b(aanvraag|request|ticket|verzoek) (aanmaken|indienen|"
                   r"maken)\b", r"\bmaak (een|een nieuw) (ticket|aanvraag|request)\b",
                   r"\bmaak een ticket\b", r"\bkun je een (request|aanvraag|ticket) aanmaken\b",
                   r"\b(ik wil|wil) (een |graag een )?(dataset|data|analyse|onderzoek|dashboard)\b.*"
                   r"\b(aanvragen|laten (doen|maken))\b",
                   r"\bik wil graag een analyse laten doen\b", r"\bonderzoek aanvragen\b",
                   r"\bkun je dat (voor me )?(indienen|aanvragen)\b", r"\bkan je dat aanvragen\b",
                   r"\bik heb cijfers nodig\b", r"\baanvraag indienen\b",
                   r"\bik wil een \w*(vraag|aanvraag) (indienen|stellen|doen)\b")

REQUEST_TYPES = (
    ("udc_research", r"\budc\b|\burban data center\b|\bcbs microdata\b"),
    ("privacy_ethics", r"\bdeda\b|\bdpia\b|\bethiek"),
    ("ai_advice", r"\bcopilot\b|\b(ai|chatgpt|algoritme)\b.*\badvies|\badvies\b.*\b(ai|copilot)\b"),
    ("open_data", r"\bopen data\b|\bpubliceren\b"),
    ("other", r"\bverkeerd\b|\bfout\b|\bklopt niet\b"),
    ("dashboard", r"\bdashboard\b"),
    ("analysis", r"\banalyse(vraag)?\b|\bonderzoek\b|\beffect van\b"),
    ("data_delivery", r"\bdataset\b|\bdata\b|\bcijfers\b|\baantal\b|\bexport\b|\bper (wijk|buurt)\b"),
)

EVENT_WORDS = r"(meetup|meet-up|event|evenement|spreekuur|spreekuren|sessie|bijeenkomst|workshop|" \
              r"webinar|kennismakingssessie|inloopspreekuur)"
EVENT_CANCEL = _any(r"\b(afmelden|uitschrijven|schrijf me uit|cancel|annuleer|meld me af)\b.*"
                    + EVENT_WORDS, EVENT_WORDS + r".*\b(afmelden|uitschrijven|annuleren|cancel)\b",
                    r"\bkan toch niet naar\b")
EVENT_SIGNUP = _any(r"\b(schrijf me in|aanmelden|inschrijven|meld me aan|zet me op de lijst|sign me up|"
                    r"kan ik mee)\b.*" + EVENT_WORDS,
                    EVENT_WORDS + r".*\b(aanmelden|inschrijven)\b")
EVENT_LIST = _any(r"\b(welke|zijn er|is er|wanneer is de volgende|agenda|overzicht)\b.*" + EVENT_WORDS,
                  r"^agenda\b", EVENT_WORDS + r".*\b(binnenkort|deze maand|deze week)\b",
                  r"\bwanneer wordt de module .* (gegeven|georganiseerd)\b")
EVENT_HINTS = (("power bi", r"power ?bi"), ("udp", r"\budp\b|urban data platform"),
               ("open data", r"open data"), ("geodata", r"geodata|kaarten"),
               ("privacy", r"privacy|avg"), ("spreekuur", r"spreekuur|spreekuren"),
               ("ai", r"\bai\b|kunstmatige"))

MODULES = (("dgw-01-introductie", r"introductie"),
           ("dgw-02-data-vinden-en-aanvragen", r"data vinden|module 2\b"),
           ("dgw-03-datakwaliteit", r"datakwaliteit|module 3\b"),
           ("dgw-04-visualiseren-en-dashboards", r"visualiseren|module 4\b"),
           ("dgw-05-privacy-en-avg", r"privacy|avg|module 5\b"),
           ("dgw-06-algoritmes-en-ethiek", r"algoritmes en ethiek|ethiek|module 6\b"),
           ("dgw-07-statistiek-voor-beleid", r"statistiek|module 7\b"),
           ("dgw-08-ai-tools-verantwoord", r"ai tools|ai-tools|module 8\b"))
ENROL = _any(r"\b(inschrijven|schrijf me in|meld me aan|aanmelden|enrol|enroll|starten met|volgen)\b.*"
             r"\b(module|leerlijn|privacy en avg|datakwaliteit|statistiek|visualiseren|introductie)\b",
             r"\bik wil\b.*\bmodule\b.*\bvolgen\b", r"^inschrijven (privacy|datakwaliteit|statistiek|visualiseren|introductie)")
MY_LEARNING = _any(r"\bhoe ver ben ik\b", r"\bmijn voortgang\b", r"\bmodules heb ik\b",
                   r"\bheb ik de quiz\b", r"\bpogingen heb ik\b", r"\bmy (progress|learning)\b",
                   r"\bwat heb ik (al )?(gedaan|afgerond|gehaald)\b.*\b(leerlijn|modules?)\b")
# "Voor welke bijeenkomsten ben ik aangemeld?": the user's own sign-ups, not the agenda.
MY_EVENTS = _any(r"\b(waar|waarvoor|voor welke \w+) ben ik (voor )?(aangemeld|ingeschreven)\b",
                 r"\bmijn (aanmeldingen|inschrijvingen)\b",
                 r"\bben ik (al )?(aangemeld|ingeschreven) voor\b.*" + EVENT_WORDS,
                 r"\bwhat am i (signed up|registered) for\b")


def ticket_number(norm: str) -> str | None:
    match = TICKET_RE.search(norm)
    if not match:
        return None
    return f"DS-{match.group(1)}-{int(match.group(2)):04d}"


def _first(table, norm: str) -> str | None:
    for key, pattern in table:
        if re.search(pattern, norm):
            return key
    return None


def out_of_scope_category(norm: str) -> str | None:
    if INJECTION.search(norm):
        return "injection"
    for category, pattern in OUT_OF_SCOPE.items():
        if pattern.search(norm):
            return category
    return None


_HINT_STOP = {"mijn", "aanvraag", "over", "is", "daar", "al", "iets", "mee", "gebeurd", "de", "het",
              "een", "van", "voor", "waar", "ik", "om", "heb", "gevraagd", "wanneer", "krijg",
              "export", "hoe", "ver", "zijn", "jullie", "met", "request", "ticket", "status",
              "staat", "wat", "nog", "niks", "niets", "gehoord", "the", "pls"}


def ticket_hint(norm: str) -> str | None:
    """The words that name a request by its topic ("mijn aanvraag over energielabels")."""
    words = [w for w in re.findall(r"[a-z0-9][a-z0-9-]*", norm) if w not in _HINT_STOP and len(w) > 2]
    return " ".join(words[:4]) or None


def detect(text: str) -> Intent:
    norm = normalise(text)
    if not norm:
        return Intent("empty")
    if CONFIRM.match(norm):
        return Intent("confirm")
    if DENY.match(norm) and len(norm.split()) <= 4:
        return Intent("deny")
    category = out_of_scope_category(norm)
    if category == "injection":
        return Intent("out_of_scope", {"category": category})
    if GREETING.match(norm):
        return Intent("greeting")
    if HANDOVER.search(norm):
        return Intent("handover")
    number = ticket_number(norm)
    if number or TICKET_STATUS.search(norm) and not EVENT_LIST.search(norm):
        slots = {"ticket": number} if number else {"ticket_hint": ticket_hint(norm)}
        return Intent("ticket_status", slots)
    if category:
        return Intent("out_of_scope", {"category": category})
    if MY_EVENTS.search(norm):
        return Intent("event_list", {"mine": True})
    if MY_LEARNING.search(norm):
        return Intent("my_learning", {"module": _first(MODULES, norm)})
    module = _first(MODULES, norm)
    if ENROL.search(norm) and not re.search(EVENT_WORDS, norm):
        return Intent("enrol", {"module": module})
    hint = _first(EVENT_HINTS, norm)
    if EVENT_CANCEL.search(norm):
        return Intent("event_cancel", {"event_hint": hint})
    if EVENT_SIGNUP.search(norm):
        return Intent("event_signup", {"event_hint": hint})
    if EVENT_LIST.search(norm):
        return Intent("event_list", {"event_hint": hint, "module": module})
    if NEW_REQUEST.search(norm):
        return Intent("new_request", {"request_type": _first(REQUEST_TYPES, norm)})
    return Intent("question")
