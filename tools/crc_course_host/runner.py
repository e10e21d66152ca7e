"""The course object and the thread its run() runs in, with any exception it raised.

An exception in their constructor or run() is reported on stderr and kept (its traceback tail
goes into /health's 500); it never hangs us.
"""
import threading
import traceback

from . import console

TRACEBACK_TAIL_CHARS = 4000


class CourseRun(object):
    def __init__(self, label):
        self.label = label
        self.obj = None
        self.thread = None
        self.error = None  # traceback text of what their code raised
        self.finished = threading.Event()

    def fail(self, where):
        self.error = traceback.format_exc()[-TRACEBACK_TAIL_CHARS:]
        console.warn("%s: %s raised:\n%s" % (self.label, where, self.error.rstrip()))

    def start(self, construct):
        """Construct with `construct()` (here), then run() in a thread. False if construction raised."""
        try:
            self.obj = construct()
        except Exception:
            self.fail("the constructor")
            self.finished.set()
            return False
        self.thread = threading.Thread(target=self._run, name="course-run", daemon=True)
        self.thread.start()
        return True

    def _run(self):
        try:
            self.obj.run()
        except Exception:
            self.fail("run()")
        finally:
            self.finished.set()

    @property
    def running(self):
        return self.thread is not None and not self.finished.is_set()

    def request_terminate(self):
        if self.obj is not None:
            self.obj.request_terminate = True

    def call(self, name, *args):
        """Call one of its methods (message_other_client, quit); the traceback tail if it raised."""
        try:
            getattr(self.obj, name)(*args)
            return None
        except Exception:
            tail = traceback.format_exc()[-TRACEBACK_TAIL_CHARS:]
            console.warn("%s: %s() raised:\n%s" % (self.label, name, tail.rstrip()))
            return tail
