"""Search JSON API: GET /api/v1/search.

An empty (or blank) ``q`` is a 400 "q is required": an API client that sends
nothing has a bug worth hearing about. The page shows an empty state instead.
The OpenAPI description is built from the app's configuration (known document
types, the longest query) so that the schema and the checks below agree exactly.
"""

from __future__ import annotations

import math
from urllib.parse import urljoin

from flask import current_app, jsonify, request

from ..api import api_blueprint, describes, error_responses
from ..errors import Invalid
from ..kb import service as kb
from . import log as search_log
from . import params, service as engine

bp = api_blueprint("search_api", __name__)


def _hit(hit) -> dict:
    score = float(hit.score or 0)
    return {
        "id": hit.id, "title": hit.title, "type": hit.type,
        "url": urljoin(request.host_url, hit.url),
        "score": score if math.isfinite(score) else 0.0,
        "snippet": hit.snippet_text or params.plain_snippet(hit.snippet),
        "summary": hit.summary or "", "heading": hit.heading,
    }


@bp.get("/search")
def search():
    values, errors = params.api_query(request.args, current_app.config)
    if errors:
        raise Invalid(next(iter(errors.values())), errors)
    response = engine.search(values["q"], types=values["types"] or None,
                             limit=values["limit"], offset=values["offset"])
    search_log.record_response(response, source="api", types=values["types"])
    return jsonify({
        "query": response.query, "mode": response.mode, "notice": response.notice,
        "total": response.total, "limit": values["limit"], "offset": values["offset"],
        "results": [_hit(hit) for hit in response.results],
    })


def openapi_paths(config) -> dict:
    types = kb.known_types()
    result = {
        "type": "object",
        "required": ["id", "title", "type", "url", "score", "snippet", "summary"],
        "properties": {
            "id": {"type": "string", "description": "Document id"},
            "title": {"type": "string"},
            "type": {"type": "string", "description": "Document type, e.g. " + ", ".join(types)},
            "url": {"type": "string", "description": "Absolute link to the document "
                                                      "(with #anchor of the best passage)"},
            "score": {"type": "number", "description": "Relevance; only for ordering"},
            "snippet": {"type": "string", "description": "The best matching passage, plain text"},
            "summary": {"type": "string"},
            "heading": {"type": "string", "nullable": True,
                        "description": "Heading of the matching passage"},
        },
    }
    body = {
        "type": "object",
        "required": ["query", "mode", "notice", "total", "limit", "offset", "results"],
        "properties": {
            "query": {"type": "string", "description": "The query as searched (normalised)"},
            "mode": {"type": "string", "enum": ["hybrid", "keyword"],
                     "description": "hybrid: keywords and meaning; keyword: fallback"},
            "notice": {"type": "string", "nullable": True,
                       "description": "Why results are keyword-only, when they are"},
            "total": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer", "minimum": 1, "maximum": params.API_MAX_LIMIT},
            "offset": {"type": "integer", "minimum": 0},
            "results": {"type": "array", "items": result},
        },
    }
    return {"/search": {"get": {
        "summary": "Search the knowledge base",
        "description": "Hybrid (keyword + meaning) search over how-tos, FAQs, projects, "
                       "algorithms, datasets, teams and courses. Any text is accepted as "
                       "query: operators and punctuation are treated as words.",
        "operationId": "searchKnowledge",
        "tags": ["search"],
        "parameters": [
            {"name": "q", "in": "query", "required": True, "description": "What to search for",
             "schema": {"type": "string", "minLength": 1, "pattern": params.NON_BLANK,
                        "maxLength": params.max_query_chars(config)}},
            {"name": "type", "in": "query", "required": False, "style": "form",
             "explode": True, "description": "Only these document types (repeatable)",
             "schema": {"type": "array", "items": {"type": "string", "enum": types}}},
            {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": params.API_MAX_LIMIT,
                        "default": 10}},
            {"name": "offset", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 0, "maximum": params.API_MAX_OFFSET,
                        "default": 0}},
        ],
        "responses": {
            "200": {"description": "Results, best first",
                    "content": {"application/json": {"schema": body}}},
            **error_responses(400, 401),
        },
    }}}


@describes(bp)
def _describe() -> dict:
    return openapi_paths(current_app.config)
