"""Real-browser journeys: a real ``streamlit run`` server and Debian's chromium via Playwright.

Servers run on a free local port against their own copy of the demo database.
Tests wait for Streamlit to finish each rerun rather than sleeping.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import jwt
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from bench.form import WATCH_RUN  # the benchmark's run watcher: the same signal, one copy

ROOT = Path(__file__).resolve().parents[2]


def _chromium() -> str:
    """Debian's ``chromium-headless-shell`` where it is installed (scripts/test.sh installs it), else
    Debian's ``chromium``; ``AUDIT_CHROMIUM`` names another. The shell is chromium's old headless
    mode, without the browser's own interface: the journeys alone took a sixth less time with it on
    two cores (5 min 56 s against 7 min 2 s, docs/testing.md) and behave the same."""
    if named := os.environ.get("AUDIT_CHROMIUM"):
        return named
    shell = Path("/usr/bin/chromium-headless-shell")
    return str(shell) if shell.exists() else "/usr/bin/chromium"


CHROMIUM = _chromium()
# Every chromium the tests and the bench launch: headless on a machine without a GPU, no sandbox
# (containers run as root), nothing fetched in the background.
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic")
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
PASSWORDS = {
    "auditor": "auditor-demo-2026", "manager": "manager-demo-2026", "sponsor": "sponsor-demo-2026",
    "support": "support-demo-2026", "admin": "admin-demo-2026",
}

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, database_url: str, env: dict | None = None, log_path: Path | None = None):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        full_env = {**os.environ, "DATABASE_URL": database_url, "AUDIT_DEMO_MODE": "1", "PYTHONUNBUFFERED": "1",
                    **(env or {})}
        log_path = log_path or Path(database_url.removeprefix("sqlite:///")).with_suffix(".log")
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=full_env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(self.url + "/_stcore/health", timeout=2).read() == b"ok":
                    # Healthy, and this server says it serves the port: not another test's server
                    # answering on a port this one then fails to bind (chosen free, taken since).
                    if self.process.poll() is not None:
                        break
                    if f"{self.url}" in log_path.read_text(errors="replace"):
                        return
                    time.sleep(0.1)
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("streamlit did not become healthy")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def start_server(tmp_path: Path, template_url: str, **env) -> Server:
    target = tmp_path / f"server-{_free_port()}.db"
    shutil.copy(template_url.removeprefix("sqlite:///"), target)
    return Server(f"sqlite:///{target}", env)


@pytest.fixture(scope="module")
def server(tmp_path_factory, _templates):
    srv = start_server(tmp_path_factory.mktemp("server"), _templates("sqlite", True))
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser(playwright_driver):
    p = playwright_driver
    b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=list(CHROMIUM_ARGS))
    yield b
    b.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failed journey, keep a picture of every page its browser had open
    (test-artifacts/failed-<test>-<n>.png) and its module server's log (failed-<test>-server.log): a
    wait that timed out says what it waited for, not what the page showed instead, nor what the server
    was doing."""
    report = yield
    browser = item.funcargs.get("browser") if hasattr(item, "funcargs") else None
    server = item.funcargs.get("server") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and isinstance(server, Server):
        # And the log of the journey's server: what it did (or raised) while the page waited.
        out = ROOT / "test-artifacts"
        out.mkdir(exist_ok=True)
        try:
            server.log.flush()
            shutil.copy(server.log.name, out / f"failed-{item.name.replace('/', '_')[:120]}-server.log")
        except OSError as error:
            report.sections.append(("server log", f"not kept: {error}"))
    if report.when == "call" and report.failed and browser is not None:
        out = ROOT / "test-artifacts"
        out.mkdir(exist_ok=True)
        name = item.name.replace("/", "_")[:120]
        pages = [pg for context in browser.contexts for pg in context.pages]
        for number, open_page in enumerate(pages):
            try:
                open_page.screenshot(path=str(out / f"failed-{name}-{number}.png"), full_page=True, timeout=10_000)
            except Exception as error:  # noqa: BLE001 - a closed page must not hide the test's own failure
                report.sections.append(("failure screenshot", f"page {number}: {error.__class__.__name__}"))
    return report


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


# True once the app's script has been idle, without a break, for ``quiet`` milliseconds: the
# browser polls it, so a rerun that starts inside the window (a widget's own rerun, the cookie
# component's rerun after sign-in) restarts the wait, and a quiet app ends it at once.
_QUIET = """quiet => {
  const app = document.querySelector("[data-testid='stApp']");
  const now = performance.now();
  const idle = app !== null && app.getAttribute("data-test-script-state") === "notRunning";
  if (!idle || window.__auditIdleSince === undefined) { window.__auditIdleSince = idle ? now : undefined; return false; }
  return now - window.__auditIdleSince >= quiet;
}"""


def wait_idle(page, settle: float = 0.3) -> None:
    """Wait until Streamlit has finished the current rerun and any rerun it triggered: the app
    must stay idle for ``settle`` seconds in a row (no fixed sleep)."""
    page.evaluate("() => { window.__auditIdleSince = undefined; }")
    page.wait_for_function(_QUIET, arg=settle * 1000, polling=50, timeout=60_000)


def _wait_for_the_run_to_show(page) -> None:
    """Wait until the run watcher (``bench.form.WATCH_RUN``, installed before the action) has seen a
    run start. A run can start and end between two frames of a busy browser, which then draws both
    changes of the app's run state at once and the watcher sees none: after 10 s without one the
    run is taken as done (or never started, which the caller's next expectation, waiting for what
    the run draws, tells)."""
    try:
        page.wait_for_function("window.__bench.ran === true", polling=20, timeout=10_000)
    except PlaywrightTimeout:
        pass


def wait_for_rerun(page, action, settle: float = 0.3) -> None:
    """Do ``action`` (a key press or click that starts a rerun) and wait for that rerun to start and
    finish. ``wait_idle`` alone can return before a slow server has even started the run, and the
    next key press then lands on a page that is about to be redrawn."""
    page.evaluate(WATCH_RUN)
    action()
    _wait_for_the_run_to_show(page)
    wait_idle(page, settle=settle)


def open_tab(page, tab, *, reruns: bool = False) -> None:
    """Open a tab (a locator): click it, and click again if the browser dropped the click (on a
    loaded machine, one that lands while the tab list is being redrawn never selects the tab).
    ``reruns``: the tab is drawn only when open (``st.tabs(..., on_change="rerun")``), so opening
    it starts a run, which is waited for to start and to end; a plain tab only shows its panel."""
    page.evaluate(WATCH_RUN)
    tab.click()
    try:
        expect(tab).to_have_attribute("aria-selected", "true", timeout=5_000)
    except AssertionError:
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
    if reruns:
        _wait_for_the_run_to_show(page)
    wait_idle(page)


def choose_options(page, form, label: str, option: str) -> None:
    """Pick one option of a multiselect in ``form`` (ArrowDown opens its list; Escape closes it), and
    wait until the box shows it chosen. On a loaded machine the browser can drop the pick (seen once:
    the form sent without the manager's team); then it is made once more."""
    box = form.locator("[data-testid='stMultiSelect']").filter(has_text=label)
    chosen = box.locator("[data-tag]").filter(has_text=option)  # a chosen value (Streamlit 1.67's own tags)
    for attempt in range(2):
        if attempt and chosen.count():  # the first pick was only slow to show
            return
        form.get_by_label(label, exact=True).click()
        page.keyboard.press("ArrowDown")
        page.get_by_role("option").filter(has_text=option).first.click()
        page.keyboard.press("Escape")
        try:
            chosen.first.wait_for(timeout=5_000)
            return
        except PlaywrightTimeout:
            if attempt:
                raise


def submit_once(page, button, outcome: str, still_filled) -> None:
    """Click a form's submit ``button`` and wait for the text ``outcome``. On a loaded machine the
    browser can drop the click (the form stays as it was, nothing is sent): when ``outcome`` has not
    shown after 10 s and ``still_filled()`` says the form still holds what was typed, the click is
    made once more. A form the server did take is cleared, so a second click never sends it twice."""
    button.click()
    shown = page.get_by_text(outcome)
    try:
        shown.wait_for(timeout=10_000)
        return
    except PlaywrightTimeout:
        if not still_filled():
            raise
    button.click()
    shown.wait_for()


def open_app(page, server: Server, path: str = "") -> None:
    """Load a page by its address and wait until it has finished. Signed out, the sign-in form draws
    the sign-in library's cookie component, which reruns the page about 0.4 s after the first run
    ends: wait for 0.5 s of quiet. Signed in (by the cookie), nothing reruns a page on its own
    (ui.auth signs the session in from the request, without the component): a short quiet will do."""
    page.goto(f"{server.url}/{path}")
    page.wait_for_selector(IDLE, timeout=60_000)
    signed_in = page.locator("[data-testid='stSidebar']").get_by_role("button", name="Sign out").count() > 0
    wait_idle(page, settle=0.15 if signed_in else 0.5)


def sign_in(page, server: Server, username: str, password: str | None = None) -> None:
    """Sign in through the real form and wait for the outcome (signed in, or refused).

    On a loaded machine a click that lands while the cookie component's first rerun is
    still running can be dropped by the browser; then the form is simply filled again.
    """
    open_app(page, server)
    outcome = page.get_by_role("button", name="Sign out").or_(page.get_by_text("Sign-in failed"))
    for attempt in range(3):
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password", exact=True).fill(password or PASSWORDS[username])
        page.get_by_role("button", name="Sign in").click()
        try:
            outcome.first.wait_for(timeout=20_000)
            break
        except Exception:
            if attempt == 2:
                raise
            wait_idle(page)
    # "Sign out" shows in the run the cookie component starts once it has set the cookie, the last
    # run of a sign-in (a signed-in session draws no component): a short quiet will do.
    wait_idle(page, settle=0.3)


def signed_in(page, server: Server, username: str, path: str = "") -> None:
    """Open ``path`` as ``username``, who signed in earlier in this browser: it carries the sign-in
    cookie the app sets after the form (streamlit-authenticator's token: the user name and the
    cookie's expiry, half a day away, signed HS256 with the server's cookie key), so the server signs
    the session in from the request as it does on every link a signed-in user opens. A journey about
    something else starts on its page with one page load instead of three (the form's, the sign-in's,
    the page's) and no password check. The form itself is driven by test_sign_in.py,
    test_session_security.py, test_multi_process.py and test_admin.py."""
    token = jwt.encode({"username": username, "exp_date": time.time() + 0.5 * 86400},
                       os.environ["AUDIT_COOKIE_KEY"], algorithm="HS256")
    page.context.add_cookies([{"name": "case_audit_auth", "value": token, "url": server.url}])
    open_app(page, server, path)
    # The run may still be drawing (a new server's first request runs again through the router, and
    # the page can look idle between the two runs): wait for either outcome, then check which.
    sign_out = page.locator("[data-testid='stSidebar']").get_by_role("button", name="Sign out")
    sign_out.or_(page.get_by_role("button", name="Sign in", exact=True)).first.wait_for(timeout=60_000)
    assert sign_out.count() == 1, f"the cookie did not sign {username} in"


def nav_links(page) -> list[str]:
    return [t.strip() for t in page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()]


def go_to(page, title: str) -> None:
    page.locator("[data-testid='stSidebarNav'] a", has_text=title).first.click()
    wait_idle(page)


def screenshot(page, name: str) -> None:
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    page.screenshot(path=str(out / f"{name}.png"), full_page=True)
