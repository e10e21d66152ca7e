"""A course-layout client under our control: run it, read its state, send chats and a quit."""
import os
import uuid

from . import events, loader, snapshot
from .runner import CourseRun


class ClientRole(object):
    def __init__(self, args):
        self.args = args
        self.cls = loader.load_class(args.dir, "ChatClient", "CRCClient")
        self.boot = "%d-%s" % (os.getpid(), uuid.uuid4())
        self.run = CourseRun("client %d" % args.id)
        self.hub = events.EventHub(args.id)
        self.base = {"id": args.id, "name": args.username}
        self.poller = events.Poller(self.hub, self.snapshot, events.client_changes, args.poll_ms / 1000.0,
                                    snapshot.client_state(None, self.base, False))

    def snapshot(self):
        return snapshot.client_state(self.run.obj, self.base, self.run.running)

    def state(self):
        s = self.snapshot()
        del s["chats"]
        return s

    def start(self):
        options = loader.client_options(self.args)
        started = self.run.start(lambda: self.cls(options, run_on_localhost=True))
        self.poller.start()
        return started

    def call(self, name, *args):
        if self.run.obj is None:
            return 409, {"error": "%s: the client was never constructed" % name}
        tail = self.run.call(name, *args)
        if tail:
            return 500, {"error": "%s() raised" % name, "traceback": tail}
        return 200, {"ok": True}

    def message(self, body):
        to, text = body.get("to"), body.get("text")
        if not isinstance(to, int) or isinstance(to, bool) or not 0 <= to <= 0xFFFFFFFF:
            return 400, {"error": "message: to must be an id (an integer from 0 to 4294967295)"}
        if not isinstance(text, str):
            return 400, {"error": "message: text must be a string"}
        return self.call("message_other_client", to, text)

    def quit(self, body):
        text = body.get("text", "")
        if not isinstance(text, str):
            return 400, {"error": "quit: text must be a string"}
        return self.call("quit", text)

    def health(self):
        if self.run.error:
            return 500, {"ok": False, "error": "the course code raised", "traceback": self.run.error,
                         "id": self.args.id, "name": self.args.username, "boot": self.boot}
        return 200, {"ok": True, "name": self.args.username, "id": self.args.id, "boot": self.boot,
                     "port": self.args.server_port, "impl": "course", "role": "client",
                     "dir": os.path.abspath(self.args.dir), "running": self.run.running}

    def routes(self):
        return {
            ("GET", "/health"): lambda body: self.health(),
            ("GET", "/state"): lambda body: (200, self.state()),
            ("POST", "/message"): self.message,
            ("POST", "/quit"): self.quit,
        }
