#!/usr/bin/env python3
"""Run one server or client from a course-layout CRC folder under crc-sim's control API.

  course_host.py server --dir DIR --id N --servername S --info I --port P
                        [--connect-host H --connect-port Q | --defer] [--poll-ms 5] [--log-file F]
  course_host.py client --dir DIR --id N --username U --info I --server-port P
                        [--server-host H] [--poll-ms 5] [--log-file F]

It imports ChatServer.CRCServer / ChatClient.CRCClient from DIR (or DIR/src) as the course
harness does, constructs it with the course's option names and run_on_localhost=True, and calls
run() in a thread. Prints `monitor on http://127.0.0.1:C/` once the control API is up and, for a
server, `listening on 127.0.0.1:P` once its port listens. --port 0 picks a free port first.
With --defer a server starts only on POST /join {host, port, deadlineMs?}. Routes: see
docs/foreign-servers.md. Stdlib only (Python 3.8+).
"""
import argparse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crc_course_host import console, control  # noqa: E402  (after the path is set)
from crc_course_host.client_role import ClientRole  # noqa: E402
from crc_course_host.server_role import ServerRole  # noqa: E402

START_DEADLINE_S = 60.0


def id_type(text):
    value = int(text)
    if not 0 < value <= 0xFFFFFFFF:
        raise argparse.ArgumentTypeError("an id is an integer from 1 to 4294967295, not %s" % text)
    return value


def port_type(text):
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("a port is an integer from 0 to 65535, not %s" % text)
    return value


def parse(argv):
    parser = argparse.ArgumentParser(prog="course_host.py", description=__doc__.split("\n\n")[0])
    roles = parser.add_subparsers(dest="role")
    roles.required = True
    for role in ("server", "client"):
        p = roles.add_parser(role)
        p.add_argument("--dir", required=True, help="the course-layout folder (ChatServer.py in it or in its src/)")
        p.add_argument("--id", type=id_type, required=True)
        p.add_argument("--info", required=True)
        p.add_argument("--poll-ms", type=float, default=5.0, help="how often the state is read for /events")
        p.add_argument("--log-file", default=None, help="passed to the course code as options.log_file")
        p.add_argument("--exit-on-stdin-close", action="store_true", help="exit when stdin closes (our parent is gone)")
        p.add_argument("--hold-events", action="store_true", help="accepted for crc-server's flags: events are always held for the first subscriber")
        if role == "server":
            p.add_argument("--servername", required=True)
            p.add_argument("--port", type=port_type, required=True)
            p.add_argument("--connect-host", default="127.0.0.1")
            p.add_argument("--connect-port", type=port_type, default=0)
            p.add_argument("--defer", action="store_true", help="start only on POST /join")
        else:
            p.add_argument("--username", required=True)
            p.add_argument("--server-host", default="127.0.0.1")
            p.add_argument("--server-port", type=port_type, required=True)
    args = parser.parse_args(argv)
    if args.poll_ms <= 0:
        parser.error("--poll-ms must be above 0")
    if args.role == "server" and args.defer and args.connect_port:
        parser.error("--defer and --connect-port exclude each other: with --defer the bootstrap comes in POST /join")
    return args


def watch_stdin():
    def run():
        while sys.stdin.buffer.read(65536):
            pass
        control.exit_now(0)
    threading.Thread(target=run, name="course-host-stdin", daemon=True).start()


def main(argv):
    args = parse(argv)
    console.install()
    try:
        role = ServerRole(args) if args.role == "server" else ClientRole(args)
    except (ValueError, ImportError, SyntaxError) as err:
        console.warn("%s: %s" % (args.role, err))
        return 2
    api = control.ControlServer(role)
    api.serve()
    if args.exit_on_stdin_close:
        watch_stdin()
    console.say("monitor on http://127.0.0.1:%d/" % api.port)
    if args.role == "client":
        if role.start():
            console.say("client %d running" % args.id)
    elif not args.defer:
        connect = args.connect_port or 0
        if role.start(args.connect_host if connect else None, connect):
            role.wait_listening(time.time() + START_DEADLINE_S)
    while True:  # the HTTP threads do the work; /stop and /crash exit the process
        time.sleep(3600)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        control.exit_now(130)
