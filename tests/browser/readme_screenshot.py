"""Take the README screenshots of the Today page (desktop and phone) from a running Khata.

    KHATA_HOME=$(mktemp -d) .venv/bin/khata demo --no-serve
    .venv/bin/khata serve --port 8765 &          # and `khata worker &` for a green worker badge
    .venv/bin/python -m tests.browser.readme_screenshot --base-url http://127.0.0.1:8765

Signs in as the demo head of the company and writes docs/screenshot.png (1280×800) and
docs/screenshot-phone.png (390×844 at 2×). Not a test: pytest collects only test_*.py.
Devanagari names need a Devanagari font on the machine (Debian: fonts-noto-core).
"""

import argparse
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS

DOCS = Path(__file__).resolve().parents[2] / "docs"
SHOTS = {
    "screenshot.png": {"viewport": {"width": 1280, "height": 800}},
    "screenshot-phone.png": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
                             "is_mobile": True, "has_touch": True},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8765")
    parser.add_argument("--email", default="head@example.com")
    parser.add_argument("--password", default="khata-head-demo")
    parser.add_argument("--out", type=Path, default=DOCS)
    args = parser.parse_args()

    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        for name, options in SHOTS.items():
            context = browser.new_context(locale="en-IN", timezone_id="Asia/Kolkata", **options)
            context.route("**/*", lambda route, request: route.continue_()
                          if urlsplit(request.url).hostname in LOCAL_HOSTS
                          or request.url.startswith("data:") else route.abort())
            page = context.new_page()
            page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))
            page.goto(f"{args.base_url}/login/")
            page.get_by_label("E-mail").fill(args.email)
            page.get_by_label("Password", exact=True).fill(args.password)
            with page.expect_navigation():
                page.get_by_role("button", name="Sign in").click()
            page.get_by_role("heading", level=1).wait_for()
            page.evaluate("document.fonts.ready")
            path = args.out / name
            page.screenshot(path=path)
            print(f"wrote {path}")
            context.close()
        browser.close()
    if problems:
        raise SystemExit("console errors:\n" + "\n".join(problems))


if __name__ == "__main__":
    main()
