"""The staff work list at laptop size: a dense list, 15+ tickets without scrolling."""

from __future__ import annotations

DEMO_PASSWORD = "datashop-demo"
FULLY_VISIBLE = """() => [...document.querySelectorAll('table.queue tbody tr')]
    .filter(r => r.getBoundingClientRect().bottom <= window.innerHeight).length"""


def test_the_queue_shows_at_least_15_tickets_at_1280_by_900(live_server, page):
    result = live_server.app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    page.goto(f"{live_server.url}/login")
    page.fill("#email", "joost.bakker@denhaag.example")
    page.fill("#password", DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.goto(f"{live_server.url}/behandelen?status=all")
    assert page.evaluate(FULLY_VISIBLE) >= 15
    # Also with a wider font than this machine's: the rows stay one line each.
    page.add_style_tag(content="* { font-family: monospace !important; }")
    assert page.evaluate(FULLY_VISIBLE) >= 15
