"""Run the vendored axe-core (tests/browser/vendor, never a CDN) in the page under test.

The script is evaluated through the DevTools protocol, which the page's Content Security Policy
does not govern, so the pages keep their real policy while they are audited."""

from pathlib import Path

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()

# WCAG 2.0 and 2.1, levels A and AA: the level Quarry claims.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_RUN = """async (tags) => {
  const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
  return result.violations.map((v) => ({
    id: v.id,
    help: v.help,
    nodes: v.nodes.slice(0, 4).map((n) => n.target.join(" ") + " :: " + n.failureSummary),
  }));
}"""


def axe_violations(page) -> list[str]:
    """Every WCAG 2.1 AA violation on the page as it is now, one line each."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(f"() => {{ {AXE_SOURCE}\n }}")
    found = page.evaluate(_RUN, WCAG_21_AA)
    where = page.url.split("//", 1)[-1].split("/", 1)[-1]
    return [f"/{where}: {v['id']} ({v['help']}) at {v['nodes']}" for v in found]
