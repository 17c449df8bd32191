"""Debian's chromium, headless, driven by Playwright for Python (never `playwright install`)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.async_api import ConsoleMessage, Error, Page, async_playwright

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path(os.environ.get("B12_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skip the calling test when the system browser is missing (`.ci/run` installs it)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")


@dataclass
class Console:
    """Errors a page reported: console.error calls, failed loads, uncaught exceptions."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        """Record the page's errors from now on."""
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location.get('url', '')})")

    def _on_page_error(self, error: Error) -> None:
        self.errors.append(f"uncaught: {error.message}")

    def unexpected(self, *, allowed: Iterable[str] = ()) -> list[str]:
        """Errors not containing any of the ``allowed`` fragments."""
        fragments = tuple(allowed)
        return [e for e in self.errors if not any(part in e for part in fragments)]


@asynccontextmanager
async def chromium_page(
    *, width: int = 1600, height: int = 1000
) -> AsyncIterator[tuple[Page, Console]]:
    """A fresh headless chromium page, and the errors it reports."""
    require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            context = await browser.new_context(viewport={"width": width, "height": height})
            page = await context.new_page()
            console = Console()
            console.watch(page)
            yield page, console
        finally:
            await browser.close()


async def screenshot(page: Page, name: str) -> Path:
    """Keep a full-page screenshot under test-artifacts/ (gitignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
