"""Which standard section a question is about, from the way it is asked.

Most of the knowledge base is written to templates: an algorithm page has the sections of
the national Algoritmeregister (Doel, Hoe werkt het, Gegevens, Menselijke tussenkomst,
Risico's en waarborgen, Status), a dataset page Inhoud, Bron en actualiteit, Toegang and
Privacy, a team page Wat we doen, Hoe we werken and Zo bereik je ons, and a how-to its
steps. "Waar vind ik de energielabels?" is about Toegang even though it shares no word
with it. Each entry pairs a pattern for such headings with the phrasings that ask for
them; answer.score_sections gives a section whose heading matches a bonus when the
question matches. Both sides are matched on normalised text (lower case, no accents).

The phrasings are general Dutch (with the usual English loanwords), not this knowledge
base's sentences: a new page written to the same template is covered without an edit.

It also holds the kind of fact a question asks for (ANSWER_TYPES: a duration, a
frequency, a number, a reason), the classic answer-type step of extractive question
answering: a sentence that states such a fact is preferred, in the section and in the trim.
"""

from __future__ import annotations

import re

from .intents import normalise

_NUMBER = (r"\d+|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|dertien|veertien|"
           r"vijftien|twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|negentig|honderd|"
           r"duizend|enkele|paar")
_UNIT = r"(?:werk)?(?:dag|dagen|week|weken|maand|maanden|jaar|jaren|uur|uren|minuten|kwartaal)"
# (the question asks for ..., a sentence states it): see answer_types().
ANSWER_TYPES = [
    (re.compile(r"\b(hoe ?lang|hoeveel tijd|binnen hoeveel|doorlooptijd|hoe snel|hoe ver|"
                r"termijn|bewaart|bewaard|how long)\b"),
     re.compile(rf"\b(?:{_NUMBER})(?:\s+(?:tot|a|of)\s+(?:{_NUMBER}))?\s+{_UNIT}\b|"
                r"\bdezelfde (?:werk)?dag\b|\bhorizon\b")),
    (re.compile(r"\b(hoe vaak|hoe actueel|bijgewerkt|ververst|geactualiseerd|how often)\b"),
     re.compile(r"\b(?:elke|iedere|een keer per|eens per|per) (?:dag|nacht|week|maand|jaar|"
                r"kwartaal)\b|\b(?:dagelijks|wekelijks|maandelijks|jaarlijks)\b")),
    (re.compile(r"\b(hoeveel|hoe groot|hoe veel|aantal|percentage|vanaf welk|how many)\b"),
     re.compile(rf"\b(?:{_NUMBER})\b|\bprocent\b|%")),
    (re.compile(r"\bwaarom\b|\bwhy\b"),
     re.compile(r"\b(?:omdat|want|daarom|vanwege|reden|waardoor)\b")),
]

SECTION_CUES: list[tuple[str, str]] = [
    # Datasets
    (r"^toegang$|^toegang (aanvragen|krijgen)",
     (r"\bwaar (vind|vinden|kan ik|staat|staan|haal|moet ik)|\bhoe kom ik (bij|aan)\b|\btoegang\b|"
      r"\bdownload|\binzien\b|\bopvragen\b|\bbeschikbaar\b|\bbij kunnen\b")),
    (r"^bron en actualiteit$|actualiteit",
     (r"\bhoe actueel\b|\bhoe vaak\b|\bbijgewerkt\b|\bververst\b|\bbron\b|\bklopp?en?\b|\bklopt\b|"
      r"\bbetrouwbaar|\bte (laag|hoog)\b|\bpeildatum\b|\bwaar komt\b|\bherkomst\b")),
    (r"^inhoud$|^wat staat erin|^wat je ziet$",
     (r"\bwat staat (er )?in\b|\bwat zit (er )?in\b|\bhoeveel\b|\bindicatoren\b|\bvariabelen\b|"
      r"\bkolommen\b|\bwelke cijfers\b|\bpercentage\b|\bwat zie ik\b")),
    (r"^privacy$",
     r"\bpersoonsgegeven|\bherleidbaar|\bprivacy\b|\bavg\b|\bop adresniveau\b"),
    # Algorithms (the Algoritmeregister's fields)
    (r"^doel$",
     (r"\bwaarvoor\b|\bwaarom (wordt|werd|is) .*(gebruikt|ingezet|gemaakt)\b|\bwat is het doel\b|"
      r"\bwat doet\b|\bwaar dient\b")),
    (r"^hoe werk(t|te) het$|^gegevens en methode$|^methode$|^werkwijze$|^aanpak$",
     (r"\bhoe (werkt|werkte|berekent|bepaalt|voorspelt|schat)\b|\bwat voor (model|algoritme)\b|"
      r"\bwat doet (het|de|dat|dit) .*\bmet\b|"
      r"\bmachine ?learning\b|\bzelflerend\b|\b(ai|kunstmatige intelligentie)\b|"
      r"\bregelgebaseerd\b|\bmethode\b")),
    (r"^gegevens$",
     r"\bwelke gegevens\b|\bbewaart?\b|\bbewaard\b|\bbewaartermijn\b|\bgegevens (gebruikt|nodig)\b"),
    (r"^menselijke tussenkomst$",
     (r"\bautomatisch\b|\bhandmatig\b|\bwie (beslist|besluit|beoordeelt|controleert)\b|\bmens\b|"
      r"\bcomputer (beslist|besluit)\b")),
    (r"^risico'?s en waarborgen$|^wat kan er misgaan",
     (r"\brisico'?s?\b|\bdiscrimin|\bbias\b|\bgestopt\b|\bwaarom staat\b|\bwaarborg|\bnadeel\b|"
      r"\beerlijk\b|\bbezwaar\b")),
    (r"^status$",
     r"\bnog in gebruik\b|\bnog gebruikt\b|\bgestopt\b|\bstatus\b|\bsinds wanneer\b"),
    # Teams
    (r"^wat we doen$",
     r"\bwat (doet|doen)\b|\bwie werken\b|\bhoe groot\b|\bwaarmee help|\btaken\b"),
    (r"^hoe we werken$|^onze uitgangspunten$|^werkwijze$",
     r"\bhoe werk(t|en) (het team|jullie|ze)\b|\bwerkwijze\b|\baanpak\b|\buitgangspunt"),
    (r"^zo bereik je ons$|^contact",
     r"\bcontact\b|\bbereik|\bmailen\b|\bbellen\b|\bspreekuur\b"),
    # Projects and products
    (r"^gebruik$",
     r"\b(kan|mag) .* (worden )?(gebruikt|doorgerekend)\b|\bgebruiken voor\b|\bdoorreken"),
    (r"^beheer( en eigenaarschap)?$|eigenaarschap",
     r"\bverantwoordelijk\b|\beigenaar\b|\bbeheer|\bonderhoud|\bniemand meer\b"),
    # "A or B?": the difference between two things
    (r"\bof\b.*\?$|\bverschil\b",
     r"\bverschil\b|\bversus\b|\bvs\.?\b|\bverschillen\b"),
    # How-tos: the steps
    (r"^zo |^de stappen$|stappen|proces$|^hoe (vraag|dien|meld)",
     (r"\bhoe (vraag|kan|moet|doe|regel|krijg|meld|dien|publiceer|registreer)\b|\bstappen\b|"
      r"\bprocedure\b|\bhoe werkt dat\b|\bhoe pak ik\b|\bhoe gaat dat\b")),
]

_COMPILED = [(re.compile(h), re.compile(q)) for h, q in SECTION_CUES]


def asked_headings(message: str) -> list[re.Pattern]:
    """The heading patterns of the sections this message asks about (often none)."""
    text = normalise(message)
    return [heading for heading, question in _COMPILED if question.search(text)]


def cued(heading: str | None, asked: list[re.Pattern]) -> bool:
    if not heading or not asked:
        return False
    text = normalise(heading)
    return any(h.search(text) for h in asked)


def answer_types(message: str) -> list[re.Pattern]:
    """What kind of fact the question asks for (a duration, a number, a place...), as the
    patterns a sentence stating such a fact matches: the classic answer-type step of
    extractive question answering. Empty for a question of no recognisable type."""
    text = normalise(message)
    return [answer for question, answer in ANSWER_TYPES if question.search(text)]


def states(text: str, types: list[re.Pattern]) -> bool:
    """Whether a (normalised) sentence states a fact of one of these kinds."""
    return any(t.search(text) for t in types)
