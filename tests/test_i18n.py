"""The Dutch catalogue: every visible string translated, placeholders intact, both languages work.

The UI is Dutch by default; msgids in code and templates are English. The
extraction here mirrors `make messages` (babel.cfg, keywords _l and
lazy_gettext on top of babel's defaults), so a new `_("...")` anywhere under
portal/ fails ``test_every_string_has_a_dutch_translation`` until someone runs
`make messages`, fills in the Dutch text and compiles (`make translations`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.conftest import csrf_token_from

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "portal" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")

# %(name)s, %(n)d, %% ... and the {requester}-style fields of canned replies.
PRINTF = re.compile(r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifrx%]")
BRACES = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
TAGS = re.compile(r"</?[A-Za-z][^>]*>")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The catalogue template of the current sources, extracted like `make messages`."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"),
        "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), str(ROOT),
    ])
    with pot.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def dutch():
    with PO.open("rb") as f:
        return read_po(f, locale="nl")


def _key(message):
    return message.id[0] if isinstance(message.id, (tuple, list)) else message.id


def _forms(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (tuple, list)) else [message.string]


def _translated(message) -> bool:
    return bool(message.string) and all(s.strip() for s in _forms(message)) and not message.fuzzy


def _tokens(text: str) -> tuple[list, list, list]:
    return sorted(PRINTF.findall(text)), sorted(BRACES.findall(text)), sorted(TAGS.findall(text))


def test_extraction_finds_the_strings(extracted):
    ids = {_key(m) for m in extracted if m.id}
    # One string from each kind of source: Python (lazy), a page template, a mail template.
    assert {"Waiting for requester", "Maybe this already helps", "Hello %(name)s,"} <= ids
    assert len(ids) > 300


def test_every_string_has_a_dutch_translation(extracted, dutch):
    missing = []
    for message in extracted:
        if not message.id:
            continue
        found = dutch.get(_key(message))
        if found is None or not _translated(found):
            where = ", ".join(f"{f}:{line}" for f, line in message.locations[:2])
            missing.append(f"{_key(message)!r} ({where})")
    assert not missing, (
        f"{len(missing)} string(s) without a Dutch translation; run `make messages`, "
        "fill in portal/translations/nl/LC_MESSAGES/messages.po and run `make translations`:\n  "
        + "\n  ".join(missing))


def test_placeholders_and_markup_survive_translation(dutch):
    wrong = []
    for message in dutch:
        if not message.id or not _translated(message):
            continue
        sources = list(message.id) if isinstance(message.id, tuple) else [message.id]
        for i, text in enumerate(_forms(message)):
            source = sources[min(i, len(sources) - 1)]
            if _tokens(text) != _tokens(source):
                wrong.append(f"{source!r} -> {text!r}")
    assert not wrong, "placeholders or HTML differ between msgid and msgstr:\n  " + "\n  ".join(wrong)


def test_no_leftover_fuzzy_or_obsolete_entries(dutch):
    fuzzy = [_key(m) for m in dutch if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy entries need a check by a person: {fuzzy}"


def test_compiled_catalogue_is_current(dutch):
    assert MO.exists(), "no compiled catalogue; run `make translations`"
    with MO.open("rb") as f:
        compiled = read_mo(f)
    stale = [_key(m) for m in dutch if m.id and _translated(m)
             and (compiled.get(m.id) is None or _forms(compiled.get(m.id)) != _forms(m))]
    assert not stale, f"messages.mo is older than messages.po; run `make translations` ({stale[:5]} ...)"


# --- the two languages as a user sees them ---------------------------------------

def _switch_to_english(client, page_path):
    token = csrf_token_from(client.get(page_path).get_data(as_text=True))
    response = client.post("/language", data={"lang": "en", "next": page_path, "csrf_token": token})
    assert response.status_code == 302


def test_pages_are_dutch_by_default_and_english_after_switching(client):
    login_page = client.get("/login").get_data(as_text=True)
    choose = client.get("/aanvraag").get_data(as_text=True)
    assert '<html lang="nl">' in login_page
    assert "Wachtwoord" in login_page and "Password" not in login_page
    assert "Datalevering of toegang tot data" in choose
    assert "Kies dan “Overig”" in choose and "Other" not in choose

    _switch_to_english(client, "/login")

    login_page = client.get("/login").get_data(as_text=True)
    choose = client.get("/aanvraag").get_data(as_text=True)
    assert '<html lang="en">' in login_page
    assert "Password" in login_page and "Wachtwoord" not in login_page
    assert "Data delivery or access" in choose and "Datalevering" not in choose


def test_form_errors_follow_the_language(client, make_user, login_as):
    user = make_user("employee")
    login_as(user)
    page = client.get("/aanvraag/data_delivery").get_data(as_text=True)
    response = client.post("/aanvraag/data_delivery", data={"csrf_token": csrf_token_from(page)})
    html = response.get_data(as_text=True)
    assert response.status_code in (400, 422)
    assert "Verbeter de gemarkeerde velden." in html
    assert "Vul dit veld in." in html

    _switch_to_english(client, "/aanvraag/data_delivery")
    page = client.get("/aanvraag/data_delivery").get_data(as_text=True)
    response = client.post("/aanvraag/data_delivery", data={"csrf_token": csrf_token_from(page)})
    html = response.get_data(as_text=True)
    assert "Please correct the marked fields." in html
    assert "This field is required." in html
    assert "Vul dit veld in." not in html


def test_mail_is_written_in_the_recipients_language(app):
    from portal.mail.render import render_mail

    with app.app_context():
        subject, text, html = render_mail("notice", "nl", title="Test", paragraphs=["Tekst"],
                                          greeting_name="Ana")
        assert "Hallo Ana," in text and "Hallo Ana," in html
        assert "Dit bericht is automatisch verstuurd door Datashop" in text
        subject, text, html = render_mail("notice", "en", title="Test", paragraphs=["Text"],
                                          greeting_name="Ana")
        assert "Hello Ana," in text and "This message was sent automatically" in html
