"""The processing register entry (verwerkingsregister) of the portal, generated from the
registry and RETENTION, so the knowledge base page always shows the configured periods.
Dutch content, like the rest of the knowledge base."""

from __future__ import annotations

from flask import current_app

from ..config import retention_days
from .registry import KINDS

DOC_ID = "verwerkingsregister-datashop-portaal"


def period(days: int) -> str:
    """730 -> "2 jaar (730 dagen)", 180 -> "6 maanden (180 dagen)", 30 -> "30 dagen"."""
    if days % 365 == 0:
        years = days // 365
        return f"{years} jaar ({days} dagen)"
    if days % 30 == 0 and days >= 60:
        return f"{days // 30} maanden ({days} dagen)"
    return "1 dag" if days == 1 else f"{days} dagen"


def document() -> dict:
    cfg = current_app.config
    name, municipality = cfg["PORTAL_NAME"], cfg["MUNICIPALITY"]
    rows = []
    for kind in KINDS:
        days = retention_days(cfg, kind.key)
        rows.append(f"| {kind.gegevens} | {kind.doel} | {kind.grondslag} | "
                    f"{period(days)} na {kind.vanaf}: {kind.gevolg} | {kind.inzage} |")
    body = f"""Dit is de vermelding van het {name}-portaal in het verwerkingsregister van
{municipality} (artikel 30 AVG). De pagina wordt gemaakt uit de instellingen van het portaal
zelf, dus de bewaartermijnen hieronder zijn de termijnen die het portaal werkelijk toepast.

## Verwerking

- **Naam**: {name}-portaal, het loket voor datavragen van medewerkers
- **Verwerkingsverantwoordelijke**: {municipality}
- **Betrokkenen**: medewerkers van {municipality} die een vraag stellen, zich aanmelden voor
  een bijeenkomst of de leerlijn volgen, en de medewerkers van de {name}
- **Doel**: datavragen van medewerkers beantwoorden, bijeenkomsten en de leerlijn
  *datagedreven werken* organiseren, en de dienstverlening verantwoorden en verbeteren
- **Ontvangers**: geen partijen buiten de gemeente; e-mail gaat via de mailserver van de gemeente
- **Beveiliging**: inloggen per medewerker, rollen (medewerker, {name}-medewerker, beheerder),
  sessies op de server, een auditlog van beheerhandelingen

## Gegevens en bewaartermijnen

| Gegevens | Doel | Grondslag | Bewaartermijn | Wie ziet het |
| --- | --- | --- | --- | --- |
{chr(10).join(rows)}

Het account zelf (naam, e-mailadres, afdeling, rol, taal) blijft zolang iemand het portaal
gebruikt; een beheerder verwijdert of anonimiseert het op verzoek.

## Rechten van betrokkenen

- **Inzage**: iedere gebruiker downloadt zijn eigen gegevens op de pagina *Mijn gegevens*
  (een ZIP met per onderdeel een JSON-bestand en de eigen bestanden). Een beheerder maakt
  bij een inzageverzoek een volledige export, inclusief interne notities.
- **Vergetelheid**: een beheerder verwijdert of anonimiseert een persoon. Aanvragen blijven
  bestaan met "Verwijderde gebruiker" als aanvrager en zonder naam in de teksten; berichten
  van medewerkers blijven; aanmeldingen blijven alleen als aantallen; certificaten worden
  ingetrokken en blijven controleerbaar als ingetrokken, zonder naam.
- Elke export en verwijdering staat in het auditlog.

De termijnen worden elke nacht toegepast (`portal retention run`).
"""
    return {"type": "page", "title": f"Verwerkingsregister: {name}-portaal",
            "summary": "Welke persoonsgegevens het portaal bewaart, waarom, hoe lang en wie ze ziet.",
            "body": body, "tags": ["privacy", "AVG", "verwerkingsregister", "bewaartermijnen"]}


def init_app(app) -> None:
    from ..kb import generated

    generated.register(app, DOC_ID, document)
