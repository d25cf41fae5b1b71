"""A small Dutch knowledge base for the search page, API and suggestion tests."""

from __future__ import annotations

from pathlib import Path

DOCS = {
    "howto/parkeerdata.md": """---
id: parkeerdata-opvragen
title: Parkeerdata opvragen
type: howto
summary: Zo krijg je cijfers over parkeerdruk per wijk.
tags: [parkeren, mobiliteit]
team: bi
---

## Welke gegevens er zijn

De parkeerdruk per wijk en per uur komt uit de scanauto's.

## Aanvragen

Vraag de parkeergegevens aan bij de Datashop.
""",
    "howto/dashboard.md": """---
id: dashboard-laten-maken
title: Een dashboard laten maken
type: howto
summary: Zo vraag je een dashboard aan bij team BI.
tags: [dashboard, power bi]
team: bi
---

## Voordat je begint

Bedenk welke vraag het dashboard moet beantwoorden en wie het gebruikt.

## Oplevering

Team BI levert het dashboard op in Power BI.
""",
    "faq/vragen.md": """---
id: veelgestelde-vragen
title: Veelgestelde vragen over data
type: faq
summary: Antwoorden op vragen die we vaak krijgen.
tags: [faq]
---

## Hoe lang duurt een data-aanvraag?

Meestal binnen twee weken.

## Mag ik persoonsgegevens delen?

Alleen met een grondslag en een DPIA.
""",
    "projecten/woningbouw.md": """---
id: woningbouwmonitor
title: Woningbouwmonitor
type: project
summary: Hoeveel woningen worden er gebouwd, per wijk en per jaar.
tags: [wonen]
---

De woningbouwmonitor volgt de bouw van nieuwe woningen in de stad.
""",
    "algoritmes/woz.md": """---
id: woz-waardering
title: WOZ-waardering van woningen
type: algorithm
summary: Een model dat de WOZ-waarde van woningen schat.
tags: [belasting]
---

Het model schat de waarde van woningen voor de WOZ-beschikking.
""",
}


def load_knowledge(app, *, engine: str = "keyword") -> None:
    """Write the documents, sync them and build the index (fake embeddings: fast)."""
    folder = Path(app.config["KNOWLEDGE_DIR"])
    for name, body in DOCS.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    app.config["EMBEDDING_MODEL"] = "fake:32"
    app.config["SEARCH_ENGINE"] = engine
    with app.app_context():
        from portal.kb import service as kb
        from portal.search import service

        report = kb.sync_folders()
        assert report["added"] == len(DOCS), report
        service.rebuild_index()
    if app.config.get("SEARCH_MODEL_LOAD") == "background":  # a live server: as if it had
        thread = service.start_engine(app)  # started with this model
        if thread is not None:
            thread.join(timeout=30)


def api_token(app, user) -> dict:
    with app.app_context():
        from portal.accounts import service

        return {"Authorization": f"Bearer {service.create_token(user.id, 'test')}"}


def log_rows(app) -> list[dict]:
    with app.app_context():
        from portal.db import get_db

        return [dict(r) for r in get_db().execute("SELECT * FROM search_log ORDER BY id")]
