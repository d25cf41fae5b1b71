"""The HR export of who completed what: filtered by period (local days) and module, Dutch
columns, department, completion date, certificate code, safe against formula injection."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest

from portal import timeutil
from tests.learning_support import (INTRO, QUALITY, TRACK, acting, call, complete_intro,  # noqa: F401
                                    courses, switch_to)

HEADER = ["Naam", "E-mail", "Dienst", "Module of leerlijn", "Voltooid op", "Certificaatcode",
          "Certificaat ingetrokken op"]


@pytest.fixture
def completed(app, courses, make_user):
    """Three learners who completed the introduction at different moments."""
    staff = make_user("staff", teams=["bi"])
    early = make_user("employee", name="Anna Vroeg", department="szw")
    # 23:30 UTC on 31 January is 00:30 on 1 February in The Hague.
    midnight = make_user("employee", name="Bram Middernacht", department="bsd")
    sneaky = make_user("employee", name="=HYPERLINK(\"http://evil\")", department="ocw")
    moments = ((early, datetime(2027, 1, 20, 10, 0, tzinfo=timezone.utc)),
               (midnight, datetime(2027, 1, 31, 23, 30, tzinfo=timezone.utc)),
               (sneaky, datetime(2027, 2, 14, 12, 0, tzinfo=timezone.utc)))
    try:
        for person, moment in moments:
            timeutil.set_now(moment)
            complete_intro(app, person)
        timeutil.set_now(datetime(2027, 2, 20, 9, 0, tzinfo=timezone.utc))
        from portal.learning import certificates

        with acting(app) as db:  # Anna also holds the track certificate (issued now)
            certificates.issue(db, early, TRACK, None, "Datagedreven werken")
        yield staff, {"early": early, "midnight": midnight, "sneaky": sneaky}
    finally:
        timeutil.set_now(None)


def rows(client, query: str = "") -> list[list[str]]:
    response = client.get("/leerlijn/beheer/voltooiingen.csv" + query)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"].startswith("text/csv")
    text = response.get_data().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert table[0] == HEADER
    return table[1:]


def test_the_export_lists_who_completed_what_with_dates_and_codes(client, app, completed,
                                                                  login_as):
    from portal.learning import service

    staff, people = completed
    login_as(staff)
    everything = rows(client)
    names = [r[0] for r in everything]
    assert names == ["Anna Vroeg", "Bram Middernacht", "'=HYPERLINK(\"http://evil\")",
                     "Anna Vroeg"]
    intro_code = call(app, service.overview, people["midnight"])["certificates"][0]["code"]
    assert everything[1] == ["Bram Middernacht", people["midnight"].email, "Bestuursdienst",
                             everything[1][3], "2027-02-01", intro_code, ""]
    assert everything[0][2] != "szw"  # the department's name, not its code
    assert everything[3][3] == "Leerlijn datagedreven werken" and everything[3][4] == "2027-02-20"


def test_the_export_is_filtered_by_local_days_and_module(client, completed, login_as):
    staff, _people = completed
    login_as(staff)
    january = rows(client, "?van=2027-01-01&tot=2027-01-31")
    assert [r[0] for r in january] == ["Anna Vroeg"]  # Bram finished on 1 February, locally
    february = rows(client, "?van=2027-02-01&tot=2027-02-14")
    assert [r[0] for r in february] == ["Bram Middernacht", "'=HYPERLINK(\"http://evil\")"]
    assert [r[0] for r in rows(client, "?van=2027-02-15")] == ["Anna Vroeg"]
    assert [r[0] for r in rows(client, "?tot=2027-01-20")] == ["Anna Vroeg"]
    assert len(rows(client, f"?module={INTRO}")) == 3
    assert rows(client, f"?module={QUALITY}") == []
    track_only = rows(client, f"?module={TRACK}")
    assert [(r[0], r[3]) for r in track_only] == [("Anna Vroeg", "Leerlijn datagedreven werken")]


def test_a_revoked_certificate_says_so(client, app, completed, login_as):
    from portal.learning import certificates, service

    staff, people = completed
    code = call(app, service.overview, people["early"])["certificates"][0]["code"]
    call(app, certificates.revoke, staff, code, "Per ongeluk uitgereikt")
    login_as(staff)
    revoked = [r for r in rows(client) if r[5] == code]
    assert len(revoked) == 1 and revoked[0][6] == "2027-02-20"


def test_bad_filters_and_other_roles(client, completed, login_as):
    staff, people = completed
    login_as(staff)
    for query in ("?van=gisteren", "?van=2027-02-10&tot=2027-02-01", "?module=bestaat-niet",
                  "?tot=2027-13-01"):
        response = client.get("/leerlijn/beheer/voltooiingen.csv" + query)
        assert response.status_code == 400, query
        assert 'role="alert"' in response.get_data(as_text=True)
    page = client.get("/leerlijn/beheer?van=2027-02-01&tot=2027-02-28").get_data(as_text=True)
    assert 'id="hr-export"' in page and 'value="2027-02-01"' in page
    switch_to(client, login_as, people["early"])
    assert client.get("/leerlijn/beheer/voltooiingen.csv").status_code == 403
