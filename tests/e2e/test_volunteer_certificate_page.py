"""The service certificate's printable page, for real: served over HTTP with bearer auth,
rendered by Debian's Chromium (driven by Playwright's Python client, ``executable_path``),
printed to PDF, and nothing loaded from anywhere but the service."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

from playwright.async_api import async_playwright

from services import localtime
from services.auth.model import Principal, Role, Scope, ScopeKind
from services.volunteers import certificates
from tests.integration.volunteers_support import served_household

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The flags a headless Chromium needs on this closed network (no calls home, no sandbox as
# root, no GPU): see /work/.library/env — without them it keeps trying Google's hosts.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path(__file__).resolve().parents[2] / "var" / "test" / "certificate.png"


def _chinese_fonts() -> str:
    return subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip()


async def test_the_certificate_page_renders_in_chromium_and_prints(
    server, http, token, settings, communities, tmp_path
):
    assert _chinese_fonts(), "no Chinese font: the page would show boxes (make test installs one)"
    served = await served_household(settings, "alpha", done=2)
    cadre = Principal("e2e-community_cadre", frozenset({Role.COMMUNITY_CADRE}),
                      Scope(ScopeKind.COMMUNITY, "alpha"))  # fmt: skip
    today = localtime.today()
    issued = await certificates.issue_certificate(
        cadre, "alpha", served.volunteer_id, today - timedelta(days=30), today, "李队长"
    )
    path = f"/communities/alpha/volunteer-certificates/{issued.number}"

    # Over HTTP: 401 without a token, 404 for another community's cadre, the page otherwise.
    assert (await http.get(path)).status_code == 401
    foreign = await http.get(path, headers={"Authorization": f"Bearer {token('cadre_b')}"})
    assert foreign.status_code == 404
    bearer = token("cadre_a")
    page_answer = await http.get(path, headers={"Authorization": f"Bearer {bearer}"})
    assert page_answer.status_code == 200
    assert page_answer.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page_answer.headers["content-security-policy"]

    requested: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            context = await browser.new_context(
                extra_http_headers={"Authorization": f"Bearer {bearer}"},
                viewport={"width": 900, "height": 1200},
            )
            page = await context.new_page()
            page.on("request", lambda r: requested.append(r.url))
            answer = await page.goto(server.base_url + path)
            assert answer is not None and answer.status == 200
            assert await page.title() == f"志愿服务记录证明 {issued.number}"
            assert await page.text_content("#number") == issued.number
            assert await page.text_content("#name") == "李医生"
            assert await page.text_content("#hours") == "3.00"
            body = await page.text_content("body") or ""
            expected = ("志愿服务记录证明", "Certificate of Volunteer Service", "李队长")
            expected += ("金色港湾义工队", "每日量血压", "志愿服务记录与证明出具办法")
            for words in expected:
                assert words in body, words
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SCREENSHOT), full_page=True)
            pdf = tmp_path / "certificate.pdf"
            await page.pdf(path=str(pdf), format="A4")
            assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 5_000
        finally:
            await browser.close()
    assert requested and all(u.startswith(server.base_url) for u in requested), requested
    assert SCREENSHOT.stat().st_size > 10_000
