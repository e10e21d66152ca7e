"""A course-layout server under our control: start (now, or on POST /join), state, events, stop.

The state comes from its attributes (snapshot.py), the events from polling them (events.py).
Readiness is its listening port, seen in /proc without connecting to it (ports.py).
"""
import os
import threading
import time
import uuid

from . import console, events, loader, ports, snapshot
from .runner import CourseRun

POLL_WHILE_WAITING_S = 0.005
DEFAULT_JOIN_DEADLINE_MS = 10000
BLACK_BOX_TOTALS = {"bytesIn": 0, "bytesOut": 0, "pending": 0, "blackBox": True,
                    "note": "a course-layout server: its sockets are not visible to the adapter"}


class ServerRole(object):
    def __init__(self, args):
        self.args = args
        self.cls = loader.load_class(args.dir, "ChatServer", "CRCServer")
        # The course code binds the port it is given, maybe seconds from now (a deferred join):
        # hold it until then, so no other program takes it in between.
        self.reservation = ports.reserve(args.port)
        if args.port == 0:
            args.port = self.reservation.getsockname()[1]
        self.boot = "%d-%s" % (os.getpid(), uuid.uuid4())
        self.run = CourseRun("server %d" % args.id)
        self.hub = events.EventHub(args.id)
        self.base = {"id": args.id, "name": args.servername, "info": args.info, "port": args.port}
        self.join_lock = threading.Lock()
        self.poller = events.Poller(self.hub, self.state, events.server_changes, args.poll_ms / 1000.0,
                                    snapshot.server_state(None, self.base))

    def state(self):
        return snapshot.server_state(self.run.obj, self.base)

    def start(self, connect_host, connect_port):
        options = loader.server_options(self.args, connect_host, connect_port)
        if self.reservation is not None:
            self.reservation.close()  # theirs from now on
            self.reservation = None
        if not self.run.start(lambda: self.cls(options, run_on_localhost=True)):
            return False
        self.poller.start()
        return True

    def wait_listening(self, deadline):
        """True once the port listens; False if their code failed or the deadline passed first."""
        while time.time() < deadline:
            if ports.is_listening(self.args.port):
                console.say("listening on 127.0.0.1:%d" % self.args.port)
                return True
            if self.run.finished.is_set():
                return False
            time.sleep(POLL_WHILE_WAITING_S)
        return False

    def join(self, body):
        host, port, deadline_ms = body.get("host"), body.get("port"), body.get("deadlineMs")
        if not isinstance(host, str) or not host:
            return 400, {"error": "join: host must be a non-empty string"}
        if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
            return 400, {"error": "join: port must be an integer from 1 to 65535"}
        if deadline_ms is not None and (not isinstance(deadline_ms, int) or deadline_ms < 0):
            return 400, {"error": "join: deadlineMs must be a non-negative integer"}
        with self.join_lock:
            if self.run.thread is not None or self.run.error:
                return 409, {"error": "join: this server already runs (start it with --defer to join later)"}
            deadline = time.time() + (deadline_ms if deadline_ms is not None else DEFAULT_JOIN_DEADLINE_MS) / 1000.0
            if not self.start(host, port) or not self.wait_listening(deadline):
                return 502, {"error": "join %s:%d: %s" % (host, port, self.failure("did not listen on %d" % self.args.port))}
            # A moment for the registration to leave: until the bootstrap's reply is recorded.
            while time.time() < deadline and not self.run.finished.is_set() and not self.state()["hosts"]:
                time.sleep(POLL_WHILE_WAITING_S)
            if self.run.error:
                return 502, {"error": "join %s:%d: %s" % (host, port, self.failure(""))}
            return 200, {"t": time.time() * 1000.0}

    def failure(self, otherwise):
        return "its code raised:\n" + self.run.error if self.run.error else otherwise

    def health(self):
        if self.run.error:
            return 500, {"ok": False, "error": "the course code raised", "traceback": self.run.error,
                         "id": self.args.id, "name": self.args.servername, "boot": self.boot}
        return 200, {"ok": True, "name": self.args.servername, "id": self.args.id, "boot": self.boot,
                     "port": self.args.port, "impl": "course", "dir": os.path.abspath(self.args.dir),
                     "running": self.run.running}

    def routes(self):
        return {
            ("GET", "/health"): lambda body: self.health(),
            ("GET", "/node-state"): lambda body: (200, self.state()),
            ("GET", "/counters"): lambda body: (200, dict(BLACK_BOX_TOTALS)),
            ("GET", "/totals"): lambda body: (200, dict(BLACK_BOX_TOTALS)),
            ("POST", "/join"): self.join,
        }
