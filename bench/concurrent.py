"""Ten people open the same page at once: ``python -m bench.concurrent --database-url URL``.

Starts the app (``streamlit run app.py``) on a benchmark database built by ``python -m bench``,
signs in N browser sessions (separate cookies, one chromium) as the same role, and times, from
the click on the page's link in the sidebar to the page being idle again
(``data-test-script-state`` back to ``notRunning`` after running):

- **alone**: one session opens the page while the others do nothing (cold: the first open since
  the server started; warm: the median of the next ``--repeat`` opens);
- **together**: all N sessions click at the same moment (cold on a freshly started server, then
  warm, ``--repeat`` rounds); the median and the slowest over every session and round.

With ``--protocol`` the sessions are not browsers but clients of the server's own protocol (the
websocket a browser opens, Streamlit's BackMsg and ForwardMsg protobufs; ``_Session``): each signs in
with the cookie the app sets after its sign-in form, asks for the page as a click on its link does,
and is timed to the run's end (``script_finished``), failing unless the page's title was drawn. That
is what the server does for N people, with nothing of chromium on the machine; ``--processes P``
starts P servers and spreads the sessions over them, as the proxy of ``deploy/`` does.
``--apptest`` runs each session as an AppTest in a thread of this process (no server at all).
``--every-page`` signs one protocol session in for each role and opens every page the role may, cold then
warm, on one server, and reports the server's memory after (issue 16: at most 500 MB once every role has
visited every page).

Target (issue 16): together, warm, median at most 3 x alone, warm. With ``--protocol`` it also prints the
best ratio the servers' measured CPU allows (``best_ratio_warm``: each open's share of a round's server CPU,
the sessions served in turn on min(cores, processes), ``in_turn_median_ms``). It also reports the server
process's resident memory (now and peak, from ``/proc``). Prints a table and, as its last line,
one JSON object. A browser on this 2-core machine adds a few hundred ms to any open, and the N
browser pages share the machine's cores with the server: read the ratio, not the absolutes.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from playwright.async_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from bench.__main__ import _fresh_bench_sign_ins  # noqa: E402
from bench.form import IDLE, WATCH_RUN  # noqa: E402  (the form benchmark's way of timing a run)

TARGET_RATIO = 3.0
SERVER_ENV = {"AUDIT_DEMO_MODE": "0"}  # the servers run the benchmark's database, never the demo
DROPPED: list[str] = []  # clicks that started no run and were made again (reported)


def in_turn_median_ms(per_open_ms: float, sessions: int, cores: int) -> float:
    """The median wait of ``sessions`` opens of ``per_open_ms`` of CPU each, started together on ``cores``
    cores and served in turn (each core one open after another): the best any server can do when each open
    is its own CPU work and nothing else. Sharing the cores instead (as Python's threads do) ends them all
    near the last of these."""
    ends = [(n // cores + 1) * per_open_ms for n in range(sessions)]
    return statistics.median(ends)


def _memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) of a process, in MB, from /proc (Linux)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def _cpu_ms(*roots: int) -> float:
    """CPU time (user and system, in ms) used so far by the processes ``roots`` and all their descendants,
    from /proc (Linux): the server alone, or this process with the browser it drives."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:  # the process ended meanwhile
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick * 1000
    wanted, frontier = set(roots), list(roots)
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in wanted]
        wanted.update(children)
        frontier.extend(children)
    return sum(times.get(pid, 0.0) for pid in wanted)


def _set_password(database_url: str, username: str) -> str:
    """A known password for the benchmark account (the builder gives it a random one)."""
    from db.engine import dispose_engines, get_engine, write_session
    from db.users import set_password

    password = secrets.token_urlsafe(18)
    with write_session(get_engine(database_url)) as session:
        set_password(session, actor="bench", username=username, password=password, temporary=False)
    dispose_engines()
    return password


class _Cpu:
    """The servers' and the browser's (or protocol clients') CPU time over the timed opens only (``with``),
    added up."""

    def __init__(self, *server_pids: int) -> None:
        self.server_pids, self.server_ms, self.browser_ms = server_pids, 0.0, 0.0

    def __enter__(self) -> None:
        self._server, self._browser = _cpu_ms(*self.server_pids), _cpu_ms(os.getpid())  # (this process's tree)

    def __exit__(self, *exc) -> None:
        server = _cpu_ms(*self.server_pids) - self._server
        self.server_ms += server
        self.browser_ms += _cpu_ms(os.getpid()) - self._browser - server  # the server is a child of this process

    def per_round(self, rounds: int) -> tuple[int, int]:
        return round(self.server_ms / max(rounds, 1)), round(self.browser_ms / max(rounds, 1))


async def _sign_in(page, url: str, username: str, password: str) -> None:
    await page.goto(url)
    await page.wait_for_selector(IDLE, timeout=120_000)
    for _attempt in range(3):
        await page.get_by_label("Username").fill(username)
        await page.get_by_label("Password", exact=True).fill(password)
        await page.get_by_role("button", name="Sign in").click()
        try:
            await page.get_by_role("button", name="Sign out").wait_for(timeout=60_000)
            break
        except PlaywrightTimeout:  # a click lost while the cookie component reran: fill the form again
            DROPPED.append("sign in")
    await page.wait_for_selector(IDLE, timeout=120_000)
    await asyncio.sleep(1.5)  # the cookie component's extra rerun (not timed)
    await page.wait_for_selector(IDLE, timeout=120_000)


async def _open(page, title: str) -> float:
    """Click the sidebar link to ``title``; milliseconds until that run has finished."""
    for _attempt in range(3):
        await page.wait_for_selector(IDLE, timeout=120_000)
        await page.evaluate(WATCH_RUN)
        await page.locator("[data-testid='stSidebarNav'] a", has_text=title).first.click()
        try:  # a click that lands while the page is busy can be lost: then it is made again
            await page.wait_for_function("window.__bench.ran", timeout=30_000, polling=20)
            break
        except PlaywrightTimeout:
            DROPPED.append(title)
    await page.wait_for_function("window.__bench.end !== null", timeout=300_000, polling=20)
    elapsed = await page.evaluate("window.__bench.end - window.__bench.start")
    await page.get_by_role("heading", name=title, level=1).first.wait_for(timeout=60_000)
    return elapsed


async def _away(pages, home: str) -> None:
    """Every session back on the home page, one after another (not timed). A click on the link
    of the page already open starts no run, so a session already there stays."""
    for page in pages:
        await page.wait_for_selector(IDLE, timeout=120_000)
        if await page.get_by_role("heading", name=home, level=1).count() == 0:
            await _open(page, home)


async def _round(pages, title: str) -> list[float]:
    return list(await asyncio.gather(*(_open(page, title) for page in pages)))


async def _run(args, password: str, username: str) -> dict:
    from playwright.async_api import async_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Server

    result: dict = {"page": args.page, "role": args.role, "sessions": args.sessions, "repeat": args.repeat}
    folder = Path(tempfile.mkdtemp(prefix="bench-concurrent-"))
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=list(CHROMIUM_ARGS))

        async def sessions(server) -> list:
            pages = []
            for _ in range(args.sessions):
                context = await browser.new_context(viewport={"width": 1440, "height": 900})
                page = await context.new_page()
                page.set_default_timeout(120_000)
                await _sign_in(page, server.url, username, password)
                pages.append(page)
            return pages

        # Alone: one session on a fresh server (cold), then warm opens.
        server = Server(args.database_url, env=SERVER_ENV, log_path=folder / "alone.log")
        pages: list = []
        try:
            pages = await sessions(server)
            result["alone_cold_ms"] = round(await _open(pages[0], args.page))
            alone, alone_cpu = [], _Cpu(server.process.pid)
            for _ in range(args.repeat):
                await _away(pages[:1], args.home)
                with alone_cpu:
                    alone.append(await _open(pages[0], args.page))
            result["alone_warm_ms"] = round(statistics.median(alone))
            together, together_cpu = [], _Cpu(server.process.pid)
            for _ in range(args.repeat):
                await _away(pages, args.home)
                with together_cpu:
                    together += await _round(pages, args.page)
            # Where a round's time goes: the server's CPU against the browser's (both on this machine).
            result["alone_server_cpu_ms"], result["alone_browser_cpu_ms"] = alone_cpu.per_round(args.repeat)
            result["together_server_cpu_ms"], result["together_browser_cpu_ms"] = together_cpu.per_round(args.repeat)
            result["together_warm_median_ms"] = round(statistics.median(together))
            result["together_warm_max_ms"] = round(max(together))
            result["server_rss_mb"], result["server_peak_rss_mb"] = (round(x) for x in _memory_mb(server.process.pid))
        finally:
            for page in pages:
                await page.context.close()
            server.stop()
        # Together, cold: a fresh server, every session clicks at once.
        server = Server(args.database_url, env=SERVER_ENV, log_path=folder / "together.log")
        pages = []
        try:
            pages = await sessions(server)
            cold = await _round(pages, args.page)
            result["together_cold_median_ms"] = round(statistics.median(cold))
            result["together_cold_max_ms"] = round(max(cold))
        finally:
            for page in pages:
                await page.context.close()
            server.stop()
        await browser.close()
    result["ratio_warm"] = round(result["together_warm_median_ms"] / max(result["alone_warm_ms"], 1), 2)
    result["dropped_clicks"] = len(DROPPED)
    result["load_average"] = [round(x, 1) for x in os.getloadavg()]
    return result


class _Session:
    """One signed-in session driven the way a browser drives it, without the browser: Streamlit's
    websocket (``/_stcore/stream``) and its protobufs. A click on a page's link in the menu sends one
    ``rerun_script`` naming the page; the server answers with the run's deltas and, at its end,
    ``script_finished``."""

    def __init__(self, socket) -> None:
        self.socket = socket
        self.paths: dict[str, str] = {}  # page title -> its address, from the server's menu (navigation)

    @classmethod
    async def signed_in(cls, url: str, username: str, home: str) -> "_Session":
        """A session of ``username`` on the home page: the browser holds the sign-in cookie the app set
        after its form (streamlit-authenticator's token, signed with the server's cookie key), and the
        server signs the session in from the request (``core.session_cookie``)."""
        import jwt
        import websockets

        token = jwt.encode({"username": username, "exp_date": time.time() + 0.5 * 86400},
                           os.environ["AUDIT_COOKIE_KEY"], algorithm="HS256")
        socket = await websockets.connect(f"ws{url.removeprefix('http')}/_stcore/stream", subprotocols=["streamlit"],
                                          additional_headers={"Cookie": f"case_audit_auth={token}", "Origin": url},
                                          max_size=None)
        session = cls(socket)
        await session.open(home, path="")  # what a browser asks for first: the app's address
        return session

    async def open(self, title: str, path: str | None = None, query: str = "") -> float:
        """Open the page called ``title`` (at ``path``, or where the menu says); milliseconds to the run's
        end. Fails unless the run finished and drew the page's title: a refusal, the sign-in form or an
        error would otherwise be timed as a fast page."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        request = BackMsg()
        request.rerun_script.page_name = self.paths[title] if path is None else path
        request.rerun_script.query_string = query
        started = time.perf_counter()
        await self.socket.send(request.SerializeToString())
        drawn = False
        while True:
            reply = ForwardMsg()
            reply.ParseFromString(await self.socket.recv())
            kind = reply.WhichOneof("type")
            if kind == "navigation":
                self.paths = {p.page_name: p.url_pathname for p in reply.navigation.app_pages}
            elif kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                element = reply.delta.new_element
                if element.WhichOneof("type") == "exception":
                    raise RuntimeError(f"{title} raised: {element.exception.message}")
                drawn = drawn or (element.WhichOneof("type") == "heading" and element.heading.body == title)
            elif kind == "script_finished":
                elapsed = (time.perf_counter() - started) * 1000
                if reply.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY or not drawn:
                    raise RuntimeError(f"{title} was not drawn (signed out, refused or interrupted)")
                return elapsed

    async def close(self) -> None:
        await self.socket.close()


async def _first_run(url: str, username: str, home: str) -> None:
    """A running server has run the app before anyone measured comes: the first run imports the app's
    libraries and tunes the process's connections (``ui.nodelay``), so one session opens the home page
    and leaves first."""
    session = await _Session.signed_in(url, username, home)
    await session.close()


async def _protocol_run(args, username: str) -> dict:
    """The browser rounds of ``_run``, each session a ``_Session`` on one of ``--processes`` servers."""
    from tests.browser.conftest import Server

    folder = Path(tempfile.mkdtemp(prefix="bench-concurrent-"))
    result: dict = {"page": args.page, "role": args.role, "sessions": args.sessions, "repeat": args.repeat,
                    "mode": "protocol", "processes": args.processes}

    async def started(name: str) -> tuple[list, list[_Session]]:
        servers = [Server(args.database_url, env=SERVER_ENV, log_path=folder / f"{name}-{i}.log")
                   for i in range(args.processes)]
        for server in servers:
            await _first_run(server.url, username, args.home)
        # One after another, as people arrive (the proxy keeps each on its process).
        return servers, [await _Session.signed_in(servers[i % len(servers)].url, username, args.home)
                         for i in range(args.sessions)]

    async def stopped(servers: list, sessions: list[_Session]) -> None:
        for session in sessions:
            await session.close()
        for server in servers:
            server.stop()

    servers, sessions = await started("warm")
    try:
        pids = [server.process.pid for server in servers]
        result["alone_cold_ms"] = round(await sessions[0].open(args.page))
        alone, alone_cpu = [], _Cpu(*pids)
        for _ in range(args.repeat):
            await sessions[0].open(args.home)
            with alone_cpu:
                alone.append(await sessions[0].open(args.page))
        together, together_cpu = [], _Cpu(*pids)
        for _ in range(args.repeat):
            for session in sessions:  # every session back on the home page, one after another
                await session.open(args.home)
            with together_cpu:
                together += await asyncio.gather(*(session.open(args.page) for session in sessions))
        result["alone_warm_ms"] = round(statistics.median(alone))
        result["together_warm_median_ms"], result["together_warm_max_ms"] = (round(statistics.median(together)),
                                                                             round(max(together)))
        result["alone_server_cpu_ms"], result["alone_client_cpu_ms"] = alone_cpu.per_round(args.repeat)
        result["together_server_cpu_ms"], result["together_client_cpu_ms"] = together_cpu.per_round(args.repeat)
        memory = [_memory_mb(pid) for pid in pids]
        result["server_rss_mb"] = [round(now) for now, _ in memory]
        result["server_peak_rss_mb"] = [round(peak) for _, peak in memory]
    finally:
        await stopped(servers, sessions)
    servers, sessions = await started("cold")  # fresh servers: every session opens the page at once
    try:
        cold = await asyncio.gather(*(session.open(args.page) for session in sessions))
        result["together_cold_median_ms"], result["together_cold_max_ms"] = (round(statistics.median(cold)),
                                                                             round(max(cold)))
    finally:
        await stopped(servers, sessions)
    result["ratio_warm"] = round(result["together_warm_median_ms"] / max(result["alone_warm_ms"], 1), 2)
    # The bound the servers' own CPU sets: each open's share of a round of ten, served in turn on this
    # machine's cores (docs/benchmark.md, sixteenth round).
    per_open = result["together_server_cpu_ms"] / args.sessions
    result["cores_in_turn"] = min(os.cpu_count() or 1, args.processes)
    best = in_turn_median_ms(per_open, args.sessions, result["cores_in_turn"])
    result["best_ratio_warm"] = round(best / max(result["alone_warm_ms"], 1), 2)
    result["load_average"] = [round(x, 1) for x in os.getloadavg()]
    return result


async def _every_page_run(args) -> dict:
    """Every role opens every page it may, one session a role, on one server: each page's first open
    (cold for that page's audience on this process) and a second (warm), then the server's memory.
    What issue 16 asks of memory ("after every role has visited every page"), measured on a real server."""
    from bench.__main__ import _an_audit
    from bench.pages import PAGES, ROLE_ORDER, ROLE_USERS
    from tests.browser.conftest import Server

    folder = Path(tempfile.mkdtemp(prefix="bench-every-page-"))
    server = Server(args.database_url, env=SERVER_ENV, log_path=folder / "server.log")
    audit = f"audit={_an_audit(args.database_url)}"
    pages: dict[str, dict] = {}
    try:
        await _first_run(server.url, ROLE_USERS[ROLE_ORDER[0]], args.home)
        for role in ROLE_ORDER:
            session = await _Session.signed_in(server.url, ROLE_USERS[role], args.home)
            try:
                for page in (p for p in PAGES if p.user == ROLE_USERS[role]):
                    query = audit if page.query else ""
                    cold = await session.open(page.title, query=query)
                    await session.open(args.home)
                    warm = await session.open(page.title, query=query)
                    pages[page.name] = {"cold_ms": round(cold), "warm_ms": round(warm)}
            finally:
                await session.close()
        now, peak = _memory_mb(server.process.pid)
    finally:
        server.stop()
    return {"mode": "every page", "pages": pages, "server_rss_mb": round(now), "server_peak_rss_mb": round(peak),
            "load_average": [round(x, 1) for x in os.getloadavg()]}


def _apptest_run(args, username: str) -> dict:
    """The same rounds as ``_run``, server side only: each session an AppTest of the page in its own thread,
    all started at the same moment (a barrier), in one process sharing its cached data as a server does.
    Without browsers on the machine this measures what the server does for N sessions at once."""
    import threading

    from bench.measure import clear_caches, run_timed, signed_in
    from core.authz import PAGES

    os.environ["DATABASE_URL"] = args.database_url
    path = next(spec.path for spec in PAGES if spec.title == args.page)
    tests = [signed_in(path, username) for _ in range(args.sessions)]
    run = run_timed  # the bench's own run: it fails on an error, a refusal or a session signed out

    def together(timed: list[float]) -> None:
        barrier = threading.Barrier(len(tests))

        def one(at) -> None:
            barrier.wait()
            timed.append(run(at))
        threads = [threading.Thread(target=one, args=(at,)) for at in tests]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    result: dict = {"page": args.page, "role": args.role, "sessions": args.sessions, "repeat": args.repeat,
                    "mode": "apptest"}
    for at in tests:
        run(at)  # every session started (its first run signs it in), then the caches emptied
    clear_caches()
    result["alone_cold_ms"] = round(run(tests[0]))
    result["alone_warm_ms"] = round(statistics.median(run(tests[0]) for _ in range(args.repeat)))
    warm: list[float] = []
    for _ in range(args.repeat):
        together(warm)
    result["together_warm_median_ms"], result["together_warm_max_ms"] = round(statistics.median(warm)), round(max(warm))
    clear_caches()
    cold: list[float] = []
    together(cold)
    result["together_cold_median_ms"], result["together_cold_max_ms"] = round(statistics.median(cold)), round(max(cold))
    result["ratio_warm"] = round(result["together_warm_median_ms"] / max(result["alone_warm_ms"], 1), 2)
    result["load_average"] = [round(x, 1) for x in os.getloadavg()]
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a database built by python -m bench")
    parser.add_argument("--page", default="RAG heatmaps", help="the page's title in the menu")
    parser.add_argument("--home", default="Overview", help="the page each session returns to between opens")
    parser.add_argument("--role", default="manager", choices=["auditor", "manager", "sponsor", "support", "admin"])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--apptest", action="store_true",
                        help="sessions as AppTests in threads of this process (the server's work alone), not "
                             "browsers on a real server")
    parser.add_argument("--protocol", action="store_true",
                        help="sessions as clients of the server's websocket protocol on a real server, no browser")
    parser.add_argument("--every-page", action="store_true",
                        help="instead: every role opens every page it may through one real server (protocol "
                             "clients), cold then warm, and the server's memory after")
    parser.add_argument("--processes", type=int, default=1,
                        help="with --protocol: app processes to spread the sessions over (as deploy/'s proxy does)")
    args = parser.parse_args(argv)
    os.environ.setdefault("AUDIT_COOKIE_KEY", secrets.token_urlsafe(32))
    username = f"bench_{args.role}"
    started = time.monotonic()
    _fresh_bench_sign_ins(args.database_url)  # or an idle bench account would time the sign-in form
    if args.every_page:
        result = asyncio.run(_every_page_run(args))
        for name, timing in result["pages"].items():
            print(f"  {name:<28}cold {timing['cold_ms']:>6} ms   warm {timing['warm_ms']:>5} ms")
        print(f"  server memory after every role visited every page: {result['server_rss_mb']} MB now, "
              f"{result['server_peak_rss_mb']} MB peak")
        print(json.dumps(result))
        return result
    if args.apptest:
        result = _apptest_run(args, username)
    elif args.protocol:
        result = asyncio.run(_protocol_run(args, username))
    else:
        result = asyncio.run(_run(args, _set_password(args.database_url, username), username))
    result["seconds"] = round(time.monotonic() - started)
    how = (" (AppTest threads)" if args.apptest else
           f" (protocol clients, {args.processes} process{'es' if args.processes > 1 else ''})" if args.protocol else "")
    print(f"{args.page} as {args.role}, {args.sessions} sessions{how} (ms)")
    for name in ("alone_cold_ms", "alone_warm_ms", "together_cold_median_ms", "together_cold_max_ms",
                 "together_warm_median_ms", "together_warm_max_ms"):
        print(f"  {name:<26}{result[name]:>8}")
    verdict = "meets" if result["ratio_warm"] <= TARGET_RATIO else "misses"
    print(f"  together / alone, warm: {result['ratio_warm']} ({verdict} the target of {TARGET_RATIO})")
    if args.protocol:
        print(f"  CPU a warm round (ms): server {result['alone_server_cpu_ms']} alone, "
              f"{result['together_server_cpu_ms']} together; clients {result['alone_client_cpu_ms']} alone, "
              f"{result['together_client_cpu_ms']} together")
        print(f"  server memory (each process): {result['server_rss_mb']} MB now, {result['server_peak_rss_mb']} MB peak")
        print(f"  the best ratio this CPU allows (each open's server CPU, served in turn on "
              f"{result['cores_in_turn']} core(s)): {result['best_ratio_warm']}")
    elif not args.apptest:
        print(f"  CPU a warm round (ms): server {result['alone_server_cpu_ms']} alone, "
              f"{result['together_server_cpu_ms']} together; browser {result['alone_browser_cpu_ms']} alone, "
              f"{result['together_browser_cpu_ms']} together")
        print(f"  server memory: {result['server_rss_mb']} MB now, {result['server_peak_rss_mb']} MB peak")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
