"""Read a course object's state from its attributes, tolerating any reasonable shape.

hosts_db values may be objects or dicts; id collections may be lists, sets or dicts; ids may be
ints or strings. The course code mutates these in its own thread while we read, so a read that
hits "changed size during iteration" is retried.
"""
import socket

KIND_KEYS = ("kind", "type", "host_type", "connection_type", "role")
NAME_KEYS = ("name", "servername", "server_name", "username", "user_name", "host_name")
INFO_KEYS = ("info", "host_info", "server_info", "user_info")


def retry(read, attempts=20):
    for _ in range(attempts - 1):
        try:
            return read()
        except RuntimeError:  # mutated under us: read again
            continue
    return read()


def field(record, keys):
    for key in keys:
        if isinstance(record, dict):
            if key in record:
                return record[key]
        elif hasattr(record, key):
            return getattr(record, key)
    return None


def as_id(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def id_list(value):
    items = list(value.keys()) if isinstance(value, dict) else list(value or [])
    return [i for i in (as_id(x) for x in items) if i is not None]


def text(value):
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def log_text(entry):
    """A status log entry's content: the entry itself, or its `content` field."""
    if isinstance(entry, (str, bytes)):
        return text(entry)
    content = field(entry, ("content",))
    return text(content if content is not None else entry)


def kind_of(host_id, record, servers, users):
    if host_id in users:
        return "client"
    if host_id in servers:
        return "server"
    if field(record, ("is_server",)) is True or field(record, ("is_client",)) is False:
        return "server"
    if field(record, ("is_client",)) is True or field(record, ("is_server",)) is False:
        return "client"
    value = field(record, KIND_KEYS)
    if isinstance(value, int) and not isinstance(value, bool):
        return {0x00: "server", 0x80: "client"}.get(value, "unknown")
    lowered = text(value).lower()
    for kind in ("server", "client"):
        if kind in lowered:
            return kind
    if "user" in lowered:
        return "client"
    return "unknown"


def server_state(server, fallback):
    """/node-state: {id, name, info, port, hosts, adjacentServerIds, adjacentUserIds, statusLog}."""
    if server is None:
        return dict(fallback, hosts=[], adjacentServerIds=[], adjacentUserIds=[], statusLog=[])

    def read():
        servers = id_list(getattr(server, "adjacent_server_ids", []))
        users = id_list(getattr(server, "adjacent_user_ids", []))
        hosts = []
        for key, record in list((getattr(server, "hosts_db", None) or {}).items()):
            host_id = as_id(key)
            if host_id is None:
                continue
            first = as_id(field(record, ("first_link_id",)))
            hosts.append({"id": host_id, "kind": kind_of(host_id, record, servers, users),
                          "name": text(field(record, NAME_KEYS)), "info": text(field(record, INFO_KEYS)),
                          "firstLinkId": first if first is not None else (host_id if host_id in servers + users else 0)})
        log = [log_text(e) for e in list(getattr(server, "status_updates_log", None) or [])]
        return dict(fallback, hosts=sorted(hosts, key=lambda h: h["id"]), adjacentServerIds=servers,
                    adjacentUserIds=users, statusLog=log)
    return retry(read)


def chat_entry(entry, own_id):
    """{from, to, content} from one chat log entry (a string, or a record with fields)."""
    if isinstance(entry, (str, bytes)):
        return {"from": 0, "to": own_id, "content": text(entry)}
    source = as_id(field(entry, ("source_id", "from", "sender", "sender_id")))
    content = field(entry, ("content", "message", "text"))
    return {"from": source or 0, "to": own_id, "content": text(content if content is not None else entry)}


def client_state(client, fallback, running):
    """/state: {id, name, connected, connectedUserIds, statusLog, chatLog} (+ chats for events)."""
    if client is None:
        return dict(fallback, connected=False, connectedUserIds=[], statusLog=[], chatLog=[], chats=[])

    def read():
        chats = [chat_entry(e, fallback["id"]) for e in list(getattr(client, "chat_messages_log", None) or [])]
        return dict(fallback,
                    connected=running and _has_open_socket(client),
                    connectedUserIds=sorted(id_list(getattr(client, "connected_user_ids", None) or {})),
                    statusLog=[log_text(e) for e in list(getattr(client, "status_updates_log", None) or [])],
                    chatLog=[c["content"] for c in chats], chats=chats)
    return retry(read)


def _has_open_socket(obj):
    """Any socket among its attributes (one level down too) still open; True if it has none we can see."""
    seen = False
    for value in list(vars(obj).values()):
        for candidate in [value] + (list(vars(value).values()) if hasattr(value, "__dict__") else []):
            if isinstance(candidate, socket.socket) and candidate.family in (socket.AF_INET, socket.AF_INET6):
                try:
                    candidate.getpeername()
                except OSError:
                    seen = True
                    continue
                return True
    return not seen
