"""Dutch text handling for keyword search: folding, tokens, stopwords, stems, compounds.

Everything that goes into the FTS index and everything that is matched against it
passes through :func:`index_terms` / :func:`query_terms`, so the index and the
query always agree. SQLite's FTS5 then only sees plain ASCII words separated by
spaces; its own tokenizer has nothing left to interpret.

Snowball's "dutch" stemmer is good on most of our vocabulary but strips the
``ge-`` prefix in a few words that matter here ("gemeente" -> "meen", colliding
with "menen"), and leaves some plurals apart ("datasets"). ``EXCEPTIONS`` fixes
those by hand; tests/test_search_engine_text.py holds the pairs that must (and
must not) match.
"""

from __future__ import annotations

import re
import threading
import unicodedata

import Stemmer

# Words that are kept as they are (acronyms, loan words the stemmer mangles).
PROTECTED = frozenset("""
    data dashboard dpia deda wmo cbs avg bi ai udp udc gis api csv json pdf excel power
    powerbi sql python r open ict bag brp woz wpg wbp nen iso etl kpi okr sdg ggd ggz
    jeugdwet participatiewet omgevingswet
""".split())

# Word -> stem overrides (after folding). Families that must match each other.
EXCEPTIONS = {
    "gemeente": "gemeente", "gemeenten": "gemeente", "gemeentes": "gemeente",
    "gemeentelijk": "gemeente", "gemeentelijke": "gemeente",
    "gegevens": "gegeven", "gegeven": "gegeven",
    "dataset": "dataset", "datasets": "dataset",
    "dashboards": "dashboard",
    "kinderen": "kind", "kind": "kind",
    "steden": "stad", "stad": "stad", "stedelijk": "stad", "stedelijke": "stad",
    "publicatie": "publiceer", "publicaties": "publiceer",
    "registratie": "registreer", "registraties": "registreer",
    "rapportage": "rapport", "rapportages": "rapport",
    "algoritmen": "algoritme",
    "wijkprofiel": "wijkprofiel", "wijkprofielen": "wijkprofiel",
}

# Dutch function words (Snowball's list, folded). Dropped from queries.
STOPWORDS = frozenset("""
    aan al alles als altijd andere ben bij daar dan dat de der deze die dit doch doen door
    dus een eens en er ge geen geweest haar had heb hebben heeft hem het hier hij hoe hun
    iemand iets ik in is ja je kan kon kunnen maar me meer men met mij mijn moet na naar
    niet niets nog nu of om omdat onder ons ook op over reeds te tegen toch toen tot u uit
    uw van veel voor want waren was wat werd wezen wie wil worden wordt zal ze zelf zich
    zij zijn zo zonder zou the a an of to and or is are for with how what
""".split())

# Parts for splitting compounds ("energiearmoede" -> energie + armoede). A compound
# is split when it starts or ends with one of these (optionally joined by -s-/-e-/-en-)
# and the rest is at least 4 letters. Domain words of a municipality's data team.
COMPOUND_PARTS = frozenset("""
    energie armoede verkeer ongeval ongevallen wijk wijken buurt stad data gegevens
    woning woningen bouw school scholen leerling leerlingen jeugd jongeren ouderen
    werk werkloosheid schuld schulden hulp zorg afval container containers parkeer
    parkeren druk hitte stress klimaat water groen strand drukte sensor sensoren
    risico model prognose monitor dashboard register algoritme melding meldingen
    inwoner inwoners bijstand uitkering belasting kaart straat straten openbare
    ruimte veiligheid overlast leefbaarheid eenzaamheid onderzoek analyse rapport
    privacy beleid kwaliteit platform portaal profiel profielen toegang aanvraag
    fiets auto vervoer lucht geluid energie armoede
""".split())

_TOKEN = re.compile(r"[0-9a-z]+")
_LINKS = ("s", "e", "en", "")
_stemmer_local = threading.local()


def fold(text: str) -> str:
    """Lower case without diacritics: "Beëindigd" -> "beeindigd"."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def tokens(text: str) -> list[str]:
    """Folded word tokens (letters and digits), in order, stopwords included."""
    return _TOKEN.findall(fold(text).replace("'", ""))


def _stemmer():
    stemmer = getattr(_stemmer_local, "stemmer", None)
    if stemmer is None:  # PyStemmer objects are not thread-safe
        stemmer = _stemmer_local.stemmer = Stemmer.Stemmer("dutch")
        stemmer.maxCacheSize = 50000
    return stemmer


def stem(token: str) -> str:
    if token in EXCEPTIONS:
        return EXCEPTIONS[token]
    if token in PROTECTED or len(token) <= 3 or token.isdigit():
        return token
    return _stemmer().stemWord(token)


def split_compound(token: str) -> list[str]:
    """The parts of a compound word we can recognise, or [] when it is not one.

    Candidates are every cut (with an optional linking -s-/-e-/-en-) where one side
    is a known part and the other has at least 4 letters; a cut with two known
    parts wins, then the longest known part. The remainder is split once more
    ("woningbouwmonitor" -> woning, bouw, monitor).
    """
    if len(token) < 8 or token in COMPOUND_PARTS or token in EXCEPTIONS or token in PROTECTED:
        return []
    best, best_score = None, (0, 0)
    for cut in range(4, len(token) - 3):
        head, rest = token[:cut], token[cut:]
        for link in _LINKS:
            if not rest.startswith(link) or len(rest) - len(link) < 4:
                continue
            tail = rest[len(link):]
            known_head, known_tail = head in COMPOUND_PARTS, tail in COMPOUND_PARTS
            if not (known_head or known_tail):
                continue
            score = (known_head + known_tail,
                     max(len(head) if known_head else 0, len(tail) if known_tail else 0))
            if score > best_score:
                best, best_score = (head, tail, known_head, known_tail), score
    if best is None:
        return []
    head, tail, known_head, known_tail = best
    parts = [head] if known_head else (split_compound(head) or [head])
    parts += [tail] if known_tail else (split_compound(tail) or [tail])
    return parts


def index_terms(text: str) -> list[str]:
    """Stems for the FTS index: every word plus the parts of known compounds.

    Stopwords stay in the index (bm25 gives them little weight) so that a query
    made only of stopwords still finds something."""
    out = []
    for token in tokens(text):
        out.append(stem(token))
        out.extend(stem(part) for part in split_compound(token))
    return out


# Separable verbs: in "Hoe vraag ik data aan?" the particle closes the clause and the verb
# is "aanvragen", not "vragen" (which every "Veelgestelde vragen" title holds). Dutch main
# clauses put the finite verb second (after a question word or a subject) or, in a yes/no
# question, first; that verb is joined to the particle (as the infinitive too: "af" +
# "meld" + "en" -> afmelden) and searched instead of the bare verb.
PARTICLES = frozenset("aan af op in uit mee door terug toe bij na".split())
_BEFORE_VERB = frozenset("""hoe waar wanneer wat wie waarom welke welk hoeveel ik je jij u we
    wij jullie ze zij hij het dat dit er""".split())


def _separable(words: list[str]) -> tuple[str, list[str]] | None:
    """(the bare verb, its joined forms) when a particle closes the clause, else None."""
    if len(words) < 3 or words[-1] not in PARTICLES:
        return None
    verb = words[1] if words[0] in _BEFORE_VERB else words[0]
    if verb in STOPWORDS or verb in PARTICLES or len(verb) < 3 or verb.isdigit():
        return None
    return verb, [words[-1] + verb, words[-1] + verb + "en"]


def query_terms(text: str) -> list[str]:
    """Distinct stems of a query, in order, with the verbs of separable particles. Stopwords
    are dropped unless the query has nothing else ("wie is het" still finds text with those
    words)."""
    words = tokens(text)
    kept = [w for w in words if w not in STOPWORDS] or words
    separable = _separable(words)
    if separable:
        verb, joined = separable
        kept = [w for w in kept if w not in (verb, words[-1])] + joined
    out: list[str] = []
    for word in kept:
        for term in [stem(word)] + [stem(p) for p in split_compound(word)]:
            if term not in out:
                out.append(term)
    return out


def index_text(text: str) -> str:
    """The space-separated stems stored in an FTS column."""
    return " ".join(index_terms(text))


def fts_match(terms: list[str]) -> str:
    """An FTS5 MATCH expression built only from our own quoted terms, OR-combined.

    Terms are [0-9a-z]+ by construction, so quoting them makes every user input
    (quotes, AND/OR/NOT/NEAR, *, parentheses, colons) plain words.
    """
    return " OR ".join(f'"{term}"' for term in terms)
