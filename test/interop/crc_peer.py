#!/usr/bin/env python3
"""An independent CRC peer, written the way the course's Python reference works.

Written from ../../../shared/crc/PROTOCOL.md only (the course code is not available), with
the standard library only: struct.pack/unpack with the documented layouts, one select() loop,
a hosts_db keyed by id holding first_link_id, and the reference's rules for registration,
seeding, rebroadcast, duplicate ids, unknown ids, chat routing and client quits.

Like the reference, a recv() buffer is parsed as a sequence of WHOLE messages (no reassembly
of a message split across reads). Unlike the reference, string lengths are UTF-8 byte counts.
A truncated tail is reported on stderr as 'TRUNCATED ...' and dropped.

Usage:
  crc_peer.py server --id N --servername S --port P --info I [--connect_to_port Q]
  crc_peer.py client --id N --serverport P --username U --info I
  crc_peer.py pack registration|status|chat|quit ...   (prints struct-packed hex; for tests)

Both print 'READY <port>' on stdout once listening (server: its listening port) or connected
(client: the server's port). Stdin commands, one per line:
  server: STATE
  client: MESSAGE <id> <text> | QUIT [text] | STATE
STATE prints one line: 'STATE ' + JSON.
"""
import argparse
import json
import os
import select
import socket
import struct
import sys

SERVER_REGISTRATION = 0x00
STATUS_UPDATE = 0x01
SERVER_QUIT = 0x02
CLIENT_REGISTRATION = 0x80
CLIENT_CHAT = 0x81
CLIENT_QUIT = 0x82

STATUS_WELCOME = 0x00
STATUS_UNKNOWN_ID = 0x01
STATUS_DUPLICATE_ID = 0x02

RECV_SIZE = 4096


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# ---- encoding -----------------------------------------------------------------------------

def pack_registration(message_type, source_id, last_hop_id, name, info):
    n = name.encode("utf-8")
    i = info.encode("utf-8")
    return struct.pack("!BIIBH", message_type, source_id, last_hop_id, len(n), len(i)) + n + i


def pack_status(source_id, destination_id, status_code, content):
    c = content.encode("utf-8")
    return struct.pack("!BIIHI", STATUS_UPDATE, source_id, destination_id, status_code, len(c)) + c


def pack_chat(source_id, destination_id, content):
    c = content.encode("utf-8")
    return struct.pack("!BIII", CLIENT_CHAT, source_id, destination_id, len(c)) + c


def pack_client_quit(source_id, content):
    c = content.encode("utf-8")
    return struct.pack("!BII", CLIENT_QUIT, source_id, len(c)) + c


# ---- decoding (whole messages only, as the reference does) --------------------------------

def parse_messages(buf):
    """Walk a recv() buffer that is assumed to hold whole messages; return dicts."""
    messages = []
    offset = 0
    while offset < len(buf):
        start = offset
        message_type = buf[offset]
        try:
            if message_type in (SERVER_REGISTRATION, CLIENT_REGISTRATION):
                _, source_id, last_hop_id, name_len, info_len = struct.unpack_from("!BIIBH", buf, offset)
                offset += 12
                end = offset + name_len + info_len
                if end > len(buf):
                    raise struct.error("strings run past the buffer")
                name = buf[offset:offset + name_len].decode("utf-8")
                info = buf[offset + name_len:end].decode("utf-8")
                offset = end
                messages.append({"type": message_type, "source_id": source_id, "last_hop_id": last_hop_id,
                                 "name": name, "info": info, "raw": buf[start:offset]})
            elif message_type == STATUS_UPDATE:
                _, source_id, destination_id, status_code, length = struct.unpack_from("!BIIHI", buf, offset)
                offset += 15
                if offset + length > len(buf):
                    raise struct.error("content runs past the buffer")
                content = buf[offset:offset + length].decode("utf-8")
                offset += length
                messages.append({"type": message_type, "source_id": source_id, "destination_id": destination_id,
                                 "status_code": status_code, "content": content, "raw": buf[start:offset]})
            elif message_type in (SERVER_QUIT, CLIENT_CHAT):
                _, source_id, second_id, length = struct.unpack_from("!BIII", buf, offset)
                offset += 13
                if offset + length > len(buf):
                    raise struct.error("content runs past the buffer")
                content = buf[offset:offset + length].decode("utf-8")
                offset += length
                key = "destination_id" if message_type == CLIENT_CHAT else "replacement_id"
                messages.append({"type": message_type, "source_id": source_id, key: second_id,
                                 "content": content, "raw": buf[start:offset]})
            elif message_type == CLIENT_QUIT:
                _, source_id, length = struct.unpack_from("!BII", buf, offset)
                offset += 9
                if offset + length > len(buf):
                    raise struct.error("content runs past the buffer")
                content = buf[offset:offset + length].decode("utf-8")
                offset += length
                messages.append({"type": message_type, "source_id": source_id, "content": content,
                                 "raw": buf[start:offset]})
            else:
                log("UNKNOWN-TYPE 0x%02x at offset %d; dropping %d bytes" % (message_type, start, len(buf) - start))
                break
        except struct.error as err:
            log("TRUNCATED message type 0x%02x at offset %d of a %d-byte read (%s)" % (message_type, start, len(buf), err))
            break
    return messages


class StdinLines:
    """Line reader for stdin inside a select() loop."""

    def __init__(self):
        self.pending = b""

    def read(self):
        """Return (lines, eof)."""
        data = os.read(0, 4096)
        if not data:
            return [], True
        self.pending += data
        *lines, self.pending = self.pending.split(b"\n")
        return [line.decode("utf-8").rstrip("\r") for line in lines], False


def safe_send(sock, data):
    try:
        sock.sendall(data)
    except OSError as err:
        log("send failed: %s" % err)


# ---- server -------------------------------------------------------------------------------

class Server:
    def __init__(self, server_id, name, info, port, connect_to_port):
        self.id = server_id
        self.name = name
        self.info = info
        # id -> {"kind", "name", "info", "first_link_id"}
        self.hosts_db = {}
        self.adjacent_server_ids = []
        self.adjacent_user_ids = []
        self.status_updates_log = []
        self.socket_of = {}    # adjacent host id -> socket
        self.id_of = {}        # socket -> adjacent host id (None until it registers)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        if connect_to_port:
            bootstrap = socket.create_connection(("127.0.0.1", connect_to_port))
            self.id_of[bootstrap] = None
            bootstrap.sendall(pack_registration(SERVER_REGISTRATION, self.id, 0, self.name, self.info))

    def send_to_host(self, host_id, data):
        first = self.hosts_db[host_id]["first_link_id"]
        sock = self.socket_of.get(first)
        if sock is None:
            log("no link toward %d (first link %d)" % (host_id, first))
            return
        safe_send(sock, data)

    def broadcast(self, data, except_sock, to_users):
        for sid in self.adjacent_server_ids:
            sock = self.socket_of.get(sid)
            if sock is not None and sock is not except_sock:
                safe_send(sock, data)
        if to_users:
            for uid in self.adjacent_user_ids:
                sock = self.socket_of.get(uid)
                if sock is not None and sock is not except_sock:
                    safe_send(sock, data)

    def handle(self, sock, msg):
        t = msg["type"]
        if t in (SERVER_REGISTRATION, CLIENT_REGISTRATION):
            self.on_registration(sock, msg)
        elif t == STATUS_UPDATE:
            if msg["destination_id"] in (0, self.id):
                self.status_updates_log.append(msg["content"])
            elif msg["destination_id"] in self.hosts_db:
                self.send_to_host(msg["destination_id"], msg["raw"])
        elif t == CLIENT_CHAT:
            destination = msg["destination_id"]
            if destination in self.hosts_db:
                self.send_to_host(destination, msg["raw"])
            else:
                # The reference always addresses this reply to 0, over the socket it came in on.
                safe_send(sock, pack_status(self.id, 0, STATUS_UNKNOWN_ID, "Unknown ID %d" % destination))
        elif t == CLIENT_QUIT:
            source = msg["source_id"]
            if source not in self.hosts_db:
                return  # unknown: this stops the quit from looping
            self.broadcast(msg["raw"], sock, True)
            del self.hosts_db[source]
            if source in self.adjacent_user_ids:
                self.adjacent_user_ids.remove(source)
            self.socket_of.pop(source, None)
        elif t == SERVER_QUIT:
            log("ignoring a server quit for %d (the reference never decodes 0x02)" % msg["source_id"])

    def on_registration(self, sock, msg):
        is_server = msg["type"] == SERVER_REGISTRATION
        source = msg["source_id"]
        last_hop = msg["last_hop_id"]
        if source == self.id or source in self.hosts_db:
            text = ("A machine has already registered with ID %d" if is_server
                    else "Someone has already registered with ID %d") % source
            safe_send(sock, pack_status(self.id, 0, STATUS_DUPLICATE_ID, text))
            return
        adjacent = last_hop == 0 or last_hop == source
        first_link = source if adjacent else self.id_of.get(sock)
        self.hosts_db[source] = {"kind": "server" if is_server else "client", "name": msg["name"],
                                 "info": msg["info"], "first_link_id": first_link}
        if adjacent:
            (self.adjacent_server_ids if is_server else self.adjacent_user_ids).append(source)
            self.socket_of[source] = sock
            self.id_of[sock] = source
        if adjacent and last_hop == 0:
            if is_server:
                safe_send(sock, pack_registration(SERVER_REGISTRATION, self.id, self.id, self.name, self.info))
                for host_id, h in self.hosts_db.items():
                    if host_id != source:
                        kind = SERVER_REGISTRATION if h["kind"] == "server" else CLIENT_REGISTRATION
                        safe_send(sock, pack_registration(kind, host_id, self.id, h["name"], h["info"]))
            else:
                safe_send(sock, pack_status(self.id, 0, STATUS_WELCOME,
                                            "Welcome to the Clemson Relay Chat network %s" % msg["name"]))
                for host_id, h in self.hosts_db.items():
                    if host_id != source and h["kind"] == "client":
                        safe_send(sock, pack_registration(CLIENT_REGISTRATION, host_id, self.id, h["name"], h["info"]))
        relayed = pack_registration(msg["type"], source, self.id, msg["name"], msg["info"])
        self.broadcast(relayed, sock, not is_server)

    def state(self):
        return {
            "id": self.id,
            "name": self.name,
            "hosts_db": {str(k): v for k, v in self.hosts_db.items()},
            "adjacent_server_ids": self.adjacent_server_ids,
            "adjacent_user_ids": self.adjacent_user_ids,
            "status_updates_log": self.status_updates_log,
        }

    def run(self):
        out("READY %d" % self.port)
        stdin = StdinLines()
        while True:
            readable, _, _ = select.select([self.listener, 0] + list(self.id_of), [], [])
            for r in readable:
                if r is self.listener:
                    conn, _ = self.listener.accept()
                    self.id_of[conn] = None
                elif r == 0:
                    lines, eof = stdin.read()
                    for line in lines:
                        if line.strip() == "STATE":
                            out("STATE " + json.dumps(self.state()))
                        elif line.strip():
                            log("unknown command: %s" % line)
                    if eof:
                        return
                else:
                    try:
                        data = r.recv(RECV_SIZE)
                    except OSError:
                        data = b""
                    if not data:
                        # The reference only closes the socket.
                        host_id = self.id_of.pop(r, None)
                        if host_id is not None and self.socket_of.get(host_id) is r:
                            del self.socket_of[host_id]
                        r.close()
                        continue
                    for msg in parse_messages(data):
                        self.handle(r, msg)


# ---- client -------------------------------------------------------------------------------

class Client:
    def __init__(self, client_id, server_port, username, info):
        self.id = client_id
        self.server_port = server_port
        self.connected_user_ids = []
        self.status_updates_log = []
        self.chat_messages_log = []
        self.sock = socket.create_connection(("127.0.0.1", server_port))
        self.sock.sendall(pack_registration(CLIENT_REGISTRATION, self.id, 0, username, info))

    def handle(self, msg):
        t = msg["type"]
        if t == STATUS_UPDATE:
            self.status_updates_log.append(msg["content"])
        elif t == CLIENT_REGISTRATION:
            if msg["source_id"] != self.id and msg["source_id"] not in self.connected_user_ids:
                self.connected_user_ids.append(msg["source_id"])
        elif t == CLIENT_CHAT:
            self.chat_messages_log.append(msg["content"])
        elif t == CLIENT_QUIT:
            if msg["source_id"] in self.connected_user_ids:
                self.connected_user_ids.remove(msg["source_id"])
        else:
            log("client ignores message type 0x%02x" % t)

    def state(self):
        return {
            "connected_user_ids": self.connected_user_ids,
            "status_updates_log": self.status_updates_log,
            "chat_messages_log": self.chat_messages_log,
        }

    def command(self, line):
        words = line.split(" ", 2)
        if words[0] == "MESSAGE" and len(words) >= 2:
            text = words[2] if len(words) == 3 else ""
            if self.sock is not None:
                self.sock.sendall(pack_chat(self.id, int(words[1]), text))
        elif words[0] == "QUIT":
            text = line[len("QUIT"):].lstrip(" ")
            if self.sock is not None:
                self.sock.sendall(pack_client_quit(self.id, text))
                self.sock.close()
                self.sock = None
            out("BYE")
            sys.exit(0)
        elif words[0] == "STATE":
            out("STATE " + json.dumps(self.state()))
        elif line.strip():
            log("unknown command: %s" % line)

    def run(self):
        out("READY %d" % self.server_port)
        stdin = StdinLines()
        while True:
            watch = [0] + ([self.sock] if self.sock is not None else [])
            readable, _, _ = select.select(watch, [], [])
            for r in readable:
                if r == 0:
                    lines, eof = stdin.read()
                    for line in lines:
                        self.command(line)
                    if eof:
                        return
                else:
                    data = self.sock.recv(RECV_SIZE)
                    if not data:
                        out("CLOSED")
                        self.sock.close()
                        self.sock = None
                        continue
                    for msg in parse_messages(data):
                        self.handle(msg)


# ---- pack: struct-packed hex for byte comparisons in tests --------------------------------

def pack_command(argv):
    kind = argv[0]
    if kind == "registration":   # <type> <source> <last_hop> <name> <info>
        data = pack_registration(int(argv[1]), int(argv[2]), int(argv[3]), argv[4], argv[5])
    elif kind == "status":       # <source> <destination> <code> <content>
        data = pack_status(int(argv[1]), int(argv[2]), int(argv[3]), argv[4])
    elif kind == "chat":         # <source> <destination> <content>
        data = pack_chat(int(argv[1]), int(argv[2]), argv[3])
    elif kind == "quit":         # <source> <content>
        data = pack_client_quit(int(argv[1]), argv[2])
    else:
        raise SystemExit("pack: unknown kind %r" % kind)
    out(data.hex())


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "pack":
        pack_command(sys.argv[2:])
        return
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="role", required=True)
    s = sub.add_parser("server")
    s.add_argument("--id", type=int, required=True)
    s.add_argument("--servername", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--info", required=True)
    s.add_argument("--connect_to_host", default="127.0.0.1")  # ignored, like the reference harness
    s.add_argument("--connect_to_port", type=int)
    c = sub.add_parser("client")
    c.add_argument("--id", type=int, required=True)
    c.add_argument("--serverhost", default="127.0.0.1")  # ignored: everything is on 127.0.0.1
    c.add_argument("--serverport", type=int, required=True)
    c.add_argument("--username", required=True)
    c.add_argument("--info", required=True)
    args = parser.parse_args()
    if args.role == "server":
        Server(args.id, args.servername, args.info, args.port, args.connect_to_port).run()
    else:
        Client(args.id, args.serverport, args.username, args.info).run()


if __name__ == "__main__":
    main()
