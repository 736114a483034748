"""Checks for a page under test: accessibility (axe-core), layout, screenshots."""

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
# The README's pictures, made again by the tests marked for them (SCREENSHOTS_FOR_README=1).
README_SCREENSHOTS = ROOT / "docs" / "screenshots"
README_SCREENSHOT_MAX_BYTES = 200_000
# Installed for the test run only (tests/browser/package.json; `make test` runs `npm ci`).
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}


def axe_check(page) -> None:
    """The page has no serious or critical WCAG 2 A/AA violation that axe-core can find."""
    if not AXE.exists():
        reason = f"axe-core is not installed at {AXE}: run `npm ci --prefix tests/browser`"
        if IN_CI:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    if page.evaluate("() => matchMedia('(scripting: none)').matches"):
        # axe waits on its own timers, which never fire there: it would hang.
        pytest.fail("axe needs JavaScript: check the same page in a JavaScript-enabled context")
    # Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') does not
    # apply; a <script> tag (page.add_script_tag) would be refused.
    if not page.evaluate("() => Boolean(window.axe)"):
        page.evaluate(AXE.read_text())
    violations = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags}})
            .then(result => result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(node => node.target.join(" ")),
            })))""",
        WCAG_A_AA,
    )
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe found on {page.url}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}; at {', '.join(v['targets'])}" for v in blocking
    )


def assert_nothing_overflows(page) -> None:
    """Nothing reaches past the right edge of the viewport: no sideways scrolling."""
    layout = page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        // Inside a box that scrolls or clips sideways, passing the edge is that box's design.
        const clipped = el => {
            for (let box = el.parentElement; box !== document.body; box = box.parentElement) {
                if (getComputedStyle(box).overflowX !== "visible") return true;
            }
            return false;
        };
        const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
            + [...el.classList].map(c => "." + c).join("");
        const past = [...document.body.querySelectorAll("*")].filter(el =>
            el.getBoundingClientRect().right > width + 0.5
            && el.checkVisibility({visibilityProperty: true, opacityProperty: true})
            && !clipped(el));
        // The outermost ones: their children pass the edge because they do.
        const passing = new Set(past);
        const outermost = past.filter(el => !passing.has(el.parentElement));
        return {
            width, innerWidth: window.innerWidth,
            scrollWidth: document.documentElement.scrollWidth,
            past: outermost.map(el =>
                `${name(el)} (right edge at ${Math.round(el.getBoundingClientRect().right)} px)`),
        };
    }""")
    where = (
        f"{page.url} is {layout['scrollWidth']} px wide in a {layout['width']} px viewport"
        f" (window.innerWidth {layout['innerWidth']}); past its right edge: "
        + (", ".join(layout["past"]) or "nothing visible (a clipped or scrolled box?)")
    )
    assert layout["scrollWidth"] <= layout["width"], where
    assert not layout["past"], where


def screenshot(page, name: str) -> Path:
    """A full-page PNG in artifacts/screenshots/ (CI lists them at the end of its output)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / (re.sub(r"[^\w.-]+", "-", name).strip("-") + ".png")
    page.screenshot(path=path, full_page=True)
    return path


def save_small_png(png: bytes, name: str) -> None:
    """Into docs/screenshots/, as a 256-colour PNG when the full-colour one is too big."""
    README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(png))
    if len(png) > README_SCREENSHOT_MAX_BYTES:
        image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    image.save(README_SCREENSHOTS / name, format="PNG", optimize=True)
    assert (README_SCREENSHOTS / name).stat().st_size <= README_SCREENSHOT_MAX_BYTES
