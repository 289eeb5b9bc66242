"""Walking pages in the browser: wait until a page has finished drawing, and collect what it
logs to the console."""

from urllib.parse import urlsplit


def settle(page) -> None:
    """Until htmx, the charts and the graph are done with the page."""
    page.wait_for_load_state("networkidle")
    if page.locator("#graph").count():
        page.wait_for_selector("#graph[data-ready]", state="attached")
    if page.locator("canvas[data-chart]").count():
        page.wait_for_selector("canvas[data-chart][data-drawn]", state="attached")


def _where(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class ConsoleWatch:
    """Console errors (a refused inline style or script is one), anything about the Content
    Security Policy, and uncaught exceptions, as they happen. A page whose own address answers
    4xx (the 404 page) logs its load as an error: that one is the page itself, not a fault."""

    def __init__(self, page):
        self.page = page
        self.problems: list[str] = []
        self._failing_on_purpose: set[str] = set()
        page.on("response", self._on_response)
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.problems.append(f"{_where(page.url)}: {exc}"))

    def _on_response(self, response) -> None:
        if response.request.is_navigation_request() and response.status >= 400:
            self._failing_on_purpose.add(_where(response.url))

    def _on_console(self, msg) -> None:
        text = msg.text
        if msg.type != "error" and "Content Security Policy" not in text:
            return
        source = _where(msg.location.get("url", "") or self.page.url)
        if text.startswith("Failed to load resource") and source in self._failing_on_purpose:
            return
        self.problems.append(f"{_where(self.page.url)}: {text[:200]}")
