"""Events synthesized by polling a course object's attributes, and their NDJSON subscribers.

We cannot see the course code's sockets or messages, only its state: each poll compares the
state with the last one and turns the differences into the events crc-server reports
(host-learned, host-forgotten, link-up, link-down, status-logged, chat-delivered), stamped `t`
(ms since the epoch, when the poll saw it) and `node`. A forgotten host's reason is a guess:
a client is taken to have quit, a server to be lost in a netsplit.
"""
import json
import threading
import time
import traceback
from collections import deque

from . import console

BACKLOG_LIMIT = 100000          # events kept for the first subscriber
SUBSCRIBER_LIMIT = 16           # subscribers at once
SUBSCRIBER_QUEUE_LIMIT = 100000  # events a subscriber may fall behind before it is dropped


class Subscriber(object):
    def __init__(self, types):
        self.types = set(types) if types else None
        self.queue = deque()
        self.dropped = False


class EventHub(object):
    def __init__(self, node_id):
        self.node = node_id
        self.cond = threading.Condition()
        self.backlog = []  # until the first subscriber: start-up events are not lost
        self.backlog_dropped = 0
        self.subscribers = set()
        self.had_subscriber = False

    def publish(self, events):
        if not events:
            return
        now = time.time() * 1000.0
        lines = [(e["type"], json.dumps(dict(e, t=now, node=self.node)) + "\n") for e in events]
        with self.cond:
            if not self.had_subscriber:
                room = BACKLOG_LIMIT - len(self.backlog)
                self.backlog.extend(lines[:max(room, 0)])
                self.backlog_dropped += max(len(lines) - max(room, 0), 0)
            for sub in self.subscribers:
                for kind, line in lines:
                    if sub.types is None or kind in sub.types:
                        sub.queue.append(line)
                if len(sub.queue) > SUBSCRIBER_QUEUE_LIMIT:
                    sub.dropped = True
                    sub.queue.clear()
            self.cond.notify_all()

    def subscribe(self, types):
        """A Subscriber, or why not (a string)."""
        with self.cond:
            if len(self.subscribers) >= SUBSCRIBER_LIMIT:
                return "too many /events subscribers (%d)" % SUBSCRIBER_LIMIT
            sub = Subscriber(types)
            if not self.had_subscriber:
                self.had_subscriber = True
                sub.queue.extend(line for kind, line in self.backlog if sub.types is None or kind in sub.types)
                self.backlog = []
            self.subscribers.add(sub)
            return sub

    def unsubscribe(self, sub):
        with self.cond:
            self.subscribers.discard(sub)

    def take(self, sub, timeout):
        """The lines waiting for `sub` (waits up to `timeout` s for one); None once it is dropped."""
        with self.cond:
            if not sub.queue and not sub.dropped:
                self.cond.wait(timeout)
            if sub.dropped:
                return None
            lines = list(sub.queue)
            sub.queue.clear()
            return lines


def server_changes(before, after):
    """Events between two /node-state snapshots."""
    events = []
    old = {h["id"]: h for h in before["hosts"]}
    new = {h["id"]: h for h in after["hosts"]}
    for host_id, h in new.items():
        if host_id not in old:
            events.append({"type": "host-learned", "id": host_id, "kind": h["kind"], "name": h["name"], "firstLinkId": h["firstLinkId"]})
    for key, kind in (("adjacentServerIds", "server"), ("adjacentUserIds", "client")):
        for peer in after[key]:
            if peer not in before[key]:
                events.append({"type": "link-up", "conn": 0, "peerId": peer, "kind": kind})
        for peer in before[key]:
            if peer not in after[key]:
                events.append({"type": "link-down", "conn": 0, "peerId": peer, "kind": kind, "lost": 0})
    for host_id, h in old.items():
        if host_id not in new:
            events.append({"type": "host-forgotten", "id": host_id, "kind": h["kind"],
                           "reason": "netsplit" if h["kind"] == "server" else "quit"})
    events.extend(_status_changes(before["statusLog"], after["statusLog"]))
    return events


def client_changes(before, after):
    """Events between two client /state snapshots (with their `chats`)."""
    events = []
    for peer in after["connectedUserIds"]:
        if peer not in before["connectedUserIds"]:
            events.append({"type": "host-learned", "id": peer, "kind": "client", "name": "", "firstLinkId": 0})
    for peer in before["connectedUserIds"]:
        if peer not in after["connectedUserIds"]:
            events.append({"type": "host-forgotten", "id": peer, "kind": "client", "reason": "quit"})
    events.extend(_status_changes(before["statusLog"], after["statusLog"]))
    for chat in after["chats"][len(before["chats"]):]:
        events.append(dict(chat, type="chat-delivered"))
    return events


def _status_changes(before, after):
    # A log only grows; if it shrank (trimmed), everything past the old length is new.
    start = len(before) if len(after) >= len(before) else 0
    return [{"type": "status-logged", "from": 0, "code": -1, "content": c} for c in after[start:]]


class Poller(threading.Thread):
    """Every `interval` s: read a snapshot, publish what changed."""

    def __init__(self, hub, read, changes, interval, empty):
        threading.Thread.__init__(self, name="course-host-poller", daemon=True)
        self.hub, self.read, self.changes, self.interval = hub, read, changes, interval
        self.last = empty
        self.warned = False

    def poll_once(self):
        snapshot = self.read()
        self.hub.publish(self.changes(self.last, snapshot))
        self.last = snapshot

    def run(self):
        while True:
            try:
                self.poll_once()
            except Exception:  # never let a read of their state kill the stream; try again next poll
                if not self.warned:
                    self.warned = True
                    console.warn("reading the course object's state failed (retrying every poll):\n%s" % traceback.format_exc().rstrip())
            time.sleep(self.interval)
