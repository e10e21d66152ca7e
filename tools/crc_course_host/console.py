"""Our lines on stdout, kept recognisable among the course code's own prints.

The course code prints what it likes, from any thread; our readiness lines must start a line,
so stdout is wrapped to know whether the last character written ended a line.
"""
import sys
import threading

_lock = threading.RLock()


class LineTrackingStream(object):
    def __init__(self, inner):
        self.inner = inner
        self.at_line_start = True

    def write(self, s):
        with _lock:
            n = self.inner.write(s)
            if s:
                self.at_line_start = s.endswith("\n")
            self.inner.flush()
            return n

    def flush(self):
        self.inner.flush()

    def __getattr__(self, name):
        return getattr(self.inner, name)


def install():
    if not isinstance(sys.stdout, LineTrackingStream):
        sys.stdout = LineTrackingStream(sys.stdout)


def say(line):
    """Print one of our lines at the start of a line, at once."""
    with _lock:
        out = sys.stdout
        start = "" if getattr(out, "at_line_start", True) else "\n"
        out.write(start + line + "\n")


def warn(line):
    with _lock:
        sys.stderr.write("course_host: " + line + "\n")
        sys.stderr.flush()
