"""The control API over HTTP on 127.0.0.1, in the shape of crc-server's (src/net/control-api.ts).

Each role supplies its JSON routes; here are the shared ones: GET /events (NDJSON, ?types=a,b),
POST /stop (request_terminate, 202, exit 0; a watchdog exits even if their code hangs) and
POST /crash (exit 137 at once).
"""
import json
import os
import select
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

MAX_BODY_BYTES = 64 * 1024
STOP_GRACE_S = 2.0       # how long run() may take to return after request_terminate
EVENT_WAIT_S = 0.5       # how often a quiet /events stream checks that its reader is still there


def exit_now(code):
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


class ControlServer(object):
    def __init__(self, role):
        self.role = role
        self.routes = role.routes()
        self.stopping = threading.Lock()
        handler = type("Handler", (_Handler,), {"control": self})
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.http.daemon_threads = True
        self.port = self.http.server_address[1]

    def serve(self):
        threading.Thread(target=self.http.serve_forever, name="course-host-http", daemon=True).start()

    def stop(self):
        if not self.stopping.acquire(False):
            return
        self.role.run.request_terminate()

        def watchdog():
            if self.role.run.thread is not None:  # never started (deferred): nothing to wait for
                self.role.run.finished.wait(STOP_GRACE_S)
            exit_now(0)
        threading.Thread(target=watchdog, name="course-host-stop", daemon=True).start()


class _Handler(BaseHTTPRequestHandler):
    control = None  # set on the subclass
    server_version = "course_host"

    def log_message(self, fmt, *args):
        pass  # quiet: stderr is for their code's errors and ours

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def dispatch(self, method):
        url = urlparse(self.path)
        path = url.path
        if method == "GET" and path == "/events":
            return self.stream(parse_qs(url.query).get("types", [""])[0])
        if method == "POST" and path == "/stop":
            self.json(202, {"ok": True, "stopping": True})
            return self.control.stop()
        if method == "POST" and path == "/crash":
            self.json(202, {"ok": True, "crashing": True})
            return exit_now(137)
        route = self.control.routes.get((method, path))
        if route is None:
            known = set(p for _, p in self.control.routes) | {"/events", "/stop", "/crash"}
            status = 405 if path in known else 404
            return self.json(status, {"error": "%s: %s %s" % ("method not allowed" if status == 405 else "no such route", method, path)})
        body = self.body() if method == "POST" else {}
        if isinstance(body, str):
            return self.json(400, {"error": body})
        try:
            status, answer = route(body)
        except Exception:  # reading their state can fail in ways we did not foresee: say so, keep serving
            status, answer = 500, {"error": "%s %s failed" % (method, path), "traceback": traceback.format_exc()[-4000:]}
        self.json(status, answer)

    def body(self):
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY_BYTES:
            return "body over %d bytes" % MAX_BODY_BYTES
        raw = self.rfile.read(length) if length else b""
        try:
            value = json.loads(raw.decode("utf-8") or "{}")
        except ValueError:
            return "body is not JSON"
        return value if isinstance(value, dict) else "body must be a JSON object"

    def json(self, status, value):
        data = json.dumps(value).encode("utf-8")
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def stream(self, types):
        hub = self.control.role.hub
        sub = hub.subscribe([t.strip() for t in types.split(",") if t.strip()])
        if isinstance(sub, str):
            return self.json(503, {"error": sub})
        try:
            self.send_response(200)
            self.send_header("content-type", "application/x-ndjson")
            self.send_header("cache-control", "no-store")
            self.end_headers()
            self.wfile.flush()
            while True:
                lines = hub.take(sub, EVENT_WAIT_S)
                if lines is None:
                    return  # fell too far behind: dropped
                if lines:
                    self.wfile.write("".join(lines).encode("utf-8"))
                    self.wfile.flush()
                elif self.reader_gone():
                    return
        except OSError:
            return
        finally:
            hub.unsubscribe(sub)

    def reader_gone(self):
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return False
        try:
            return self.connection.recv(1, 0x2) == b""  # MSG_PEEK: an empty read means it closed
        except OSError:
            return True
