"""Import a course-layout folder's classes exactly as the course harness does.

ChatServer.py / ChatClient.py live in DIR, or in DIR/src with a package (crc_support/) beside
them; both DIR/src and DIR go on sys.path. Options are an optparse Values with the course's
option names; the class is constructed with run_on_localhost=True.
"""
import importlib
import optparse
import os
import sys


def code_folder(folder, module):
    """The folder holding `module`.py (DIR or DIR/src); ValueError naming --dir if neither does."""
    if not os.path.isdir(folder):
        raise ValueError("--dir %s: not a folder" % folder)
    for candidate in (folder, os.path.join(folder, "src")):
        if os.path.isfile(os.path.join(candidate, module + ".py")):
            return os.path.abspath(candidate)
    raise ValueError("--dir %s: no %s.py in it or in its src/" % (folder, module))


def load_class(folder, module, class_name):
    where = code_folder(folder, module)
    for path in (os.path.abspath(folder), where):  # `where` ends up first
        if path in sys.path:
            sys.path.remove(path)
        sys.path.insert(0, path)
    mod = importlib.import_module(module)
    cls = getattr(mod, class_name, None)
    if cls is None:
        raise ValueError("--dir %s: %s has no class %s" % (folder, os.path.join(where, module + ".py"), class_name))
    return cls


def server_options(args, connect_host=None, connect_port=0):
    return optparse.Values({
        "id": args.id, "servername": args.servername, "port": args.port, "info": args.info,
        "connect_to_host": connect_host or "127.0.0.1", "connect_to_port": int(connect_port or 0),
        "log_file": args.log_file,
    })


def client_options(args):
    return optparse.Values({
        "id": args.id, "serverhost": args.server_host, "serverport": args.server_port,
        "username": args.username, "info": args.info, "log_file": args.log_file,
    })
