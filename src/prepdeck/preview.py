"""`prepdeck preview`: the study page served on 127.0.0.1, rebuilt as files change.

A thread polls the modification times of the content and style folders (cheap for
a bank's few dozen files, and no watcher dependency); any change rebuilds the page
in memory.  Invalid content gives a page listing the problems instead of stale
cards, and the server keeps running.  The page asks `/__version` which build it
shows and reloads itself when that changes; that script and the `connect-src` it
needs exist only in pages served here, never in a built file.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from prepdeck.errors import Problem, ProblemsError
from prepdeck.pipeline import Request, prepare, resolve_styles
from prepdeck.site import render_problems, render_site
from prepdeck.style_folders import DEFAULTS_DIR

HOST = "127.0.0.1"
VERSION_PATH = "/__version"
POLL_SECONDS = 0.25
FORBIDDEN = (
    "403 forbidden: the preview answers only at http://127.0.0.1:<port>/ "
    "and http://localhost:<port>/\n"
)

Stamp = dict[Path, tuple[int, int]]


@dataclass(frozen=True)
class Snapshot:
    build: int
    html: bytes
    problems: tuple[Problem, ...]  # errors and warnings of this build
    ok: bool  # the page shows the cards, not the problems

    @property
    def summary(self) -> str:
        errors = sum(1 for p in self.problems if p.is_error)
        if self.ok:
            return f"build {self.build}: the page is up to date"
        return (
            f"build {self.build}: {errors} problem{'s' if errors != 1 else ''}, listed in the page"
        )

    @property
    def report(self) -> list[str]:
        """The summary, then each problem while the page lists problems."""
        return [self.summary] + ([] if self.ok else [f"  {p}" for p in self.problems])


def folder_stamp(folders: Sequence[Path]) -> Stamp:
    """(modification time, size) of every file under `folders`: any save changes it."""
    stamp: Stamp = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            try:
                if path.is_file():
                    info = path.stat()
                    stamp[path] = (info.st_mtime_ns, info.st_size)
            except OSError:  # removed while we looked
                continue
    return stamp


def render_snapshot(content_dir: Path, style_dirs: Sequence[Path], build: int) -> Snapshot:
    """Validate and render once, through the pipeline a build of the page runs (so with
    the same styles and the same checks); never raises for bad content."""
    build_id = str(build)
    problems: tuple[Problem, ...] = ()
    try:
        prepared = prepare(content_dir, Request(targets=("site",), style_dirs=tuple(style_dirs)))
        problems = tuple(prepared.problems)
        if prepared.bank is not None:
            html = render_site(
                prepared.bank,
                content_dir=content_dir,
                style_dirs=style_dirs,
                live_reload=True,
                build_id=build_id,
            )
            return Snapshot(build, html.encode("utf-8"), problems, ok=True)
    except ProblemsError as exc:
        problems = tuple(exc.problems)
    except Exception as exc:  # a style file, a folder gone, or a bug: the page says so
        # and the watcher goes on, so fixing the file brings the cards back
        problems = (Problem(str(content_dir), 1, 1, "preview", f"{type(exc).__name__}: {exc}"),)
    try:
        html = render_problems(
            problems, content_dir=content_dir, style_dirs=style_dirs, build_id=build_id
        )
    except ProblemsError:  # the styles themselves are at fault: list that in the defaults'
        html = render_problems(problems, content_dir=content_dir, style_dirs=(), build_id=build_id)
    return Snapshot(build, html.encode("utf-8"), problems, ok=False)


class Preview:
    """The server and its watcher.  `serve_forever()` blocks; `close()` stops both."""

    def __init__(
        self,
        content_dir: Path,
        *,
        style_dirs: Sequence[Path] | None = None,  # None: the bank's own styles/, if any
        port: int = 0,
        on_build: Callable[[Snapshot], None] | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.content_dir = content_dir
        self.style_dirs = resolve_styles(content_dir, style_dirs)
        self.on_build = on_build
        self.poll_seconds = poll_seconds
        self._watched = (content_dir, *self.style_dirs, DEFAULTS_DIR)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._stamp = folder_stamp(self._watched)
        self._snapshot = render_snapshot(content_dir, self.style_dirs, 1)
        self._server = ThreadingHTTPServer((HOST, port), self._handler())
        self._server.daemon_threads = True
        self._watcher = threading.Thread(target=self._watch, name="prepdeck-watch", daemon=True)
        self._serving = False

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def host_allowed(self, host: str | None) -> bool:
        """Whether a request's Host header names this server: `127.0.0.1:<port>` or
        `localhost:<port>` (without the port only on port 80, as browsers send it).
        Anything else is a DNS-rebinding page or a proxy, refused."""
        if host is None:
            return False
        names = {f"{HOST}:{self.port}", f"localhost:{self.port}"}
        if self.port == 80:
            names |= {HOST, "localhost"}
        return host.strip().lower() in names

    @property
    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._snapshot

    def serve_forever(self) -> None:
        if self.on_build:
            self.on_build(self.snapshot)
        self._serving = True
        self._watcher.start()
        self._server.serve_forever(poll_interval=0.2)

    def serve_until_stopped(self) -> None:
        """Serve until Ctrl-C or SIGTERM (a service manager's stop is a Ctrl-C too),
        then close."""

        def stop(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        try:
            self.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self.close()

    def close(self) -> None:
        """Stop serving and watching.  Safe from a signal handler's aftermath (the
        server loop already left) and from another thread (it is still running)."""
        self._stop.set()
        if self._serving:
            self._server.shutdown()  # returns at once if the loop already ended
        self._server.server_close()
        if self._watcher.is_alive():
            self._watcher.join(timeout=2)

    def check(self) -> bool:
        """Rebuild if a watched file changed since the last look; True if it did."""
        stamp = folder_stamp(self._watched)
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        snapshot = render_snapshot(self.content_dir, self.style_dirs, self.snapshot.build + 1)
        with self._lock:
            self._snapshot = snapshot
        if self.on_build:
            self.on_build(snapshot)
        return True

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.check()
            except Exception:  # whatever failed, the next change is still watched
                continue

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        preview = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "prepdeck-preview"

            def do_GET(self) -> None:
                self._respond(body=True)

            def do_HEAD(self) -> None:
                self._respond(body=False)

            def _respond(self, *, body: bool) -> None:
                if not preview.host_allowed(self.headers.get("Host")):
                    # a page on another site that rebinds its name to 127.0.0.1 sends
                    # its own name: it gets nothing of the bank, not even its problems
                    payload = FORBIDDEN.encode()
                    self.send_response(HTTPStatus.FORBIDDEN)
                    self.send_header("Content-Type", "text/plain; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if body:
                        self.wfile.write(payload)
                    return
                path = self.path.split("?", 1)[0]
                snapshot = preview.snapshot
                if path == VERSION_PATH:
                    payload, kind = str(snapshot.build).encode(), "text/plain; charset=utf-8"
                elif path in ("/", "/index.html"):
                    payload, kind = snapshot.html, "text/html; charset=utf-8"
                else:
                    self.send_error(HTTPStatus.NOT_FOUND, "the preview serves / only")
                    return
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                if body:
                    self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                pass  # one line per poll would drown the build messages

        return Handler
