"""The optional generative composer against a real HTTP server that speaks the
OpenAI-compatible chat API (the LLM behind it cannot run here; the HTTP, the timeouts and
the checks on its reply are real). Whatever goes wrong, the assistant answers extractively."""

from __future__ import annotations

import json
import threading
import time

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.desk_support import acting
from tests.search_docs import load_knowledge

QUESTION = "Hoe lang duurt een data-aanvraag?"


class Gateway:
    """POST /v1/chat/completions: answers with ``content`` (or ``status``/``delay``)."""

    def __init__(self):
        self.content, self.status, self.delay, self.raw = "", 200, 0.0, None
        self.requests: list[dict] = []
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _app(self, environ, start_response):
        request = Request(environ)
        self.requests.append({"path": request.path, "auth": request.headers.get("Authorization"),
                              "body": request.get_json(silent=True)})
        time.sleep(self.delay)
        body = self.raw if self.raw is not None else json.dumps(
            {"choices": [{"message": {"role": "assistant", "content": self.content}}]})
        return Response(body, status=self.status, mimetype="application/json")(
            environ, start_response)

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def gateway():
    server = Gateway()
    yield server
    server.stop()


@pytest.fixture
def kb(app, gateway):
    load_knowledge(app)
    app.config.update(ASSISTANT_COMPOSER_URL=gateway.url, ASSISTANT_COMPOSER_MODEL="gem-nl",
                      ASSISTANT_COMPOSER_KEY="secret", ASSISTANT_COMPOSER_TIMEOUT=2)
    return app


def turn(app, user, message=QUESTION):
    from portal.chat import service

    with acting(app):
        return service.handle(user, message)


def extractive(app, user):
    url = app.config["ASSISTANT_COMPOSER_URL"]
    app.config["ASSISTANT_COMPOSER_URL"] = ""
    try:
        return turn(app, user)
    finally:
        app.config["ASSISTANT_COMPOSER_URL"] = url


def test_a_cited_answer_is_shown_with_its_sources_renumbered(kb, gateway, make_user):
    user = make_user(email="jan.jansen@denhaag.example", name="Jan Jansen")
    gateway.content = ("Een gewone aanvraag is meestal binnen twee weken klaar [2]. "
                       "Spoed kan ook [2][1].")
    out = turn(kb, user)
    assert out["action"] == "answer"
    assert out["reply"] == ("Een gewone aanvraag is meestal binnen twee weken klaar [1]. "
                            "Spoed kan ook [1][2].")
    request = gateway.requests[-1]
    sent = json.dumps(request["body"], ensure_ascii=False)
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer secret"
    assert request["body"]["model"] == "gem-nl"
    # The model gets the question and the numbered passages, nothing about the user.
    assert QUESTION in sent and "Meestal binnen twee weken." in sent
    assert "Jan Jansen" not in sent and "jan.jansen" not in sent
    passages = request["body"]["messages"][1]["content"]
    assert len(out["sources"]) == 2 and out["sources"][0]["title"] in passages.split("[2]")[1]


@pytest.mark.parametrize("content", [
    "Een aanvraag duurt twee weken [1]. Daarna krijg je een factuur.",  # uncited sentence
    "Een aanvraag duurt twee weken [7].",  # a source it was not given
    "GEEN ANTWOORD",
    "",
])
def test_an_uncited_or_empty_reply_falls_back_to_the_extractive_answer(kb, gateway, make_user,
                                                                        content):
    user = make_user()
    gateway.content = content
    out = turn(kb, user)
    assert gateway.requests, "the composer was asked"
    expected = extractive(kb, user)
    assert (out["action"], out["reply"], out["sources"]) == (
        expected["action"], expected["reply"], expected["sources"])
    assert "Meestal binnen twee weken." in out["reply"]


@pytest.mark.parametrize("failure", ["status", "timeout", "not json", "down"])
def test_errors_and_timeouts_fall_back_to_the_extractive_answer(kb, gateway, make_user, failure):
    user = make_user()
    gateway.content = "Een aanvraag duurt twee weken [1]."
    if failure == "status":
        gateway.status = 502
    elif failure == "timeout":
        kb.config["ASSISTANT_COMPOSER_TIMEOUT"] = 0.3
        gateway.delay = 1.5
    elif failure == "not json":
        gateway.raw = "<html>gateway error</html>"
    else:
        gateway.stop()
    out = turn(kb, user)
    assert out["action"] == "answer"
    # The extractive answer: had it waited out the delay, the cited reply would show.
    assert "Meestal binnen twee weken." in out["reply"] and "[1]" not in out["reply"]


def test_off_by_default_and_never_asked_for_actions_or_refusals(app, gateway, make_user):
    load_knowledge(app)
    user = make_user()
    assert turn(app, user)["action"] == "answer"
    assert not gateway.requests  # no URL configured: no call
    app.config["ASSISTANT_COMPOSER_URL"] = gateway.url
    assert turn(app, user, "paspoort verlengen")["action"] == "fallback"
    assert turn(app, user, "welke meetups zijn er")["action"] == "event_list"
    assert not gateway.requests
