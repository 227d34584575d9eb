"""Browser fixtures for every test folder: one Playwright and one Debian chromium per test
session (a second sync Playwright in the same thread fails), registered by the root
conftest. Use the ``browser`` and ``page`` fixtures by name; do not import them."""
from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from waitress.server import create_server

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); browser tests need it")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 412, "height": 915}, locale="zh-CN")  # a phone
    pg = ctx.new_page()
    pg.set_default_timeout(10000)
    yield pg
    ctx.close()


def downloading_context(browser, folder: Path, **options):
    """A browser context set as a person's Chrome is with "download PDFs" on (chrome://settings/
    content/pdfDocuments): a link to a PDF downloads it (``page.expect_download``) instead of
    opening the built-in viewer, which a test cannot read. A persistent profile in ``folder``
    is the only way to give chromium that preference; close the context when done."""
    (folder / "Default").mkdir(parents=True, exist_ok=True)
    (folder / "Default" / "Preferences").write_text(json.dumps(
        {"plugins": {"always_open_pdf_externally": True}, "download": {"prompt_for_download": False}}))
    return browser.browser_type.launch_persistent_context(
        str(folder), executable_path=CHROMIUM, headless=True, accept_downloads=True,
        args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync"], **options)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(page, base: str, username: str, password: str = "demo12345") -> None:
    """Log in through the login page, as a person would."""
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("[data-test=login]")
    page.wait_for_load_state()


def nav_click(page, selector: str) -> None:
    """Click a link or button of the navigation as a person would: on a phone the navigation
    is folded into the ☰ menu, so open it first when its button is showing."""
    button = page.locator("[data-test=menu-button]")
    if button.count() and button.is_visible() and not page.locator(selector).first.is_visible():
        button.click()
    page.click(selector)


class serving:
    """``with serving(app, threads) as base_url:`` — the app behind a real waitress server
    on a free loopback port, in a thread, for as long as the block runs."""

    def __init__(self, app, threads: int = 4):
        self.app, self.threads = app, threads

    def __enter__(self) -> str:
        self.server = create_server(self.app, host="127.0.0.1", port=0, threads=self.threads)
        threading.Thread(target=self.server.run, daemon=True).start()
        return f"http://127.0.0.1:{self.server.effective_port}"

    def __exit__(self, *exc) -> None:
        self.server.close()
        self.app.extensions["db"].engine.dispose()
