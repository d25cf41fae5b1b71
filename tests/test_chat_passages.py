"""Which part of a document the assistant answers with (portal/chat/answer.choose_passage).

Pure functions on documents written to the knowledge base's templates; no app needed."""

from __future__ import annotations

from portal.chat import answer, cues

DATASET = {"type": "dataset", "summary": "Parkeerbezetting per straat.", "body": """
## Inhoud

De dataset bevat de parkeerbezetting per straat en per uur, gemeten met scanauto's.
Er staan ook de tarieven en de vergunninggebieden in.

## Bron en actualiteit

De metingen komen van de scanauto's van Parkeren. De cijfers worden elke nacht bijgewerkt.

## Toegang

De cijfers per straat staan in de werkruimte Mobiliteit in Power BI. Collega's van andere
diensten vragen leesrechten aan via de Datashop.

## Privacy

Kentekens zijn verwijderd voordat de gegevens in het datawarehouse komen.
"""}


def choose(doc, message):
    words = answer.content_words(message)
    return answer.choose_passage(doc, words, types=cues.answer_types(message),
                                 asked=cues.asked_headings(message))


def test_a_question_goes_to_the_template_section_it_asks_about():
    text, anchor, _ = choose(DATASET, "parkeerbezetting per straat, waar vind ik die")
    assert anchor == "toegang"
    assert "werkruimte Mobiliteit" in text
    text, anchor, _ = choose(DATASET, "hoe actueel is de parkeerbezetting per straat")
    assert anchor == "bron-en-actualiteit"
    assert "elke nacht" in text


def test_without_a_cue_the_words_decide():
    _text, anchor, _ = choose(DATASET, "staan de tarieven van de vergunninggebieden erin")
    assert anchor == "inhoud"


HOWTO = {"type": "howto", "summary": "Zo publiceer je open data.", "body": """
## Zo publiceer je

Het team Open data helpt je bij elke stap. Je dataset komt op het portaal van de gemeente.
De metadata gaan ook naar data.overheid.nl. De dataofficer van je dienst krijgt bericht.
Het team controleert privacy en kwaliteit. Reken op twee tot vier weken doorlooptijd.
Daarna beheer je de dataset zelf, met hulp van het team bij vragen over de koppeling.
"""}


def test_the_sentence_stating_a_duration_answers_how_long():
    text, _anchor, _ = choose(HOWTO, "hoe lang duurt het publiceren van een dataset op het portaal")
    assert "twee tot vier weken" in text


STEPS = {"type": "howto", "summary": "Toegang tot het platform.", "body": """
## Toegang aanvragen

1. Dien een aanvraag in via de Datashop en vermeld het platform.
2. Geef aan welk niveau je nodig hebt en voor welk project.
3. Je leidinggevende keurt de aanvraag goed.
4. Het team controleert of er een DPIA ligt.
5. Je krijgt een account, gekoppeld aan je inlog.
6. Je volgt de korte introductie voor nieuwe gebruikers.

De doorlooptijd is meestal een tot twee weken.

## Afspraken bij gebruik

Je gebruikt de gegevens alleen voor het project waarvoor je toegang kreeg. Persoonsgegevens
kopieer je niet naar je eigen schijf. Het team kijkt jaarlijks of je toegang nog nodig is.
"""}


def test_a_numbered_procedure_is_given_with_all_its_steps():
    text, anchor, _ = choose(STEPS, "hoe vraag ik een account aan voor het platform")
    assert anchor == "toegang-aanvragen"
    for step in ("Dien een aanvraag in", "Je leidinggevende keurt", "korte introductie"):
        assert step in text


def test_a_sentence_that_opens_a_list_comes_with_the_list():
    doc = {"type": "howto", "summary": "", "body": """
## Wanneer is een DPIA verplicht?

Een DPIA is verplicht als een verwerking waarschijnlijk een hoog risico oplevert. Dat is in
ieder geval zo bij:

- stelselmatige monitoring van mensen in de openbare ruimte;
- het koppelen van grote bestanden met gevoelige gegevens;
- profilering die gevolgen heeft voor inwoners.

De privacy officer van je dienst helpt je bij de afweging. Twijfel je, doe dan eerst de
korte pre-DPIA. Die duurt een halfuur. Je vindt hem op het intranet. Daarna weet je of een
volledige DPIA nodig is. Leg de uitkomst vast in het dossier.
"""}
    text, _anchor, _ = choose(doc, "wanneer is een dpia verplicht bij een verwerking")
    assert "zo bij:" in text
    assert "stelselmatige monitoring" in text and "profilering" in text


def test_a_table_is_read_row_by_row():
    doc = {"type": "howto", "summary": "", "body": """
## De negen diensten

Iedere dienst heeft een eigen dataofficer:

| Afkorting | Dienst |
|---|---|
| BSD | Bestuursdienst |
| SZW | Sociale Zaken en Werkgelegenheid |
| DSB | Stadsbeheer |

De namen staan op het intranet, omdat ze vaker wisselen dan deze pagina. Vraag bij twijfel
je leidinggevende wie het is. Of kijk in het smoelenboek. De dataofficers komen elke maand
bij elkaar. Het expertisecentrum zit die bijeenkomst voor.
"""}
    text, _anchor, _ = choose(doc, "welke diensten hebben een dataofficer")
    assert "BSD: Bestuursdienst; SZW: Sociale Zaken en Werkgelegenheid; DSB: Stadsbeheer." in text
    assert "|" not in text and "---" not in text
