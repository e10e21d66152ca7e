"""Measure tools/course_host.py: start-up to its two lines, and idle CPU per --poll-ms (not a test).

Run from the repository root with the interpreter itself (a pyenv shim adds seconds):
  $(python3 -c "import sys; print(sys.executable)") test/foreign/measure_course_host.py
"""
# startup to 'monitor on' and 'listening on', and idle CPU of one adapter over 10 s, per --poll-ms
import subprocess, sys, time, os, statistics
PY = sys.executable
def run(poll):
    t0 = time.time()
    p = subprocess.Popen([PY, "tools/course_host.py", "server", "--dir", "test/fixtures/course-impl", "--id", "1",
                          "--servername", "a", "--info", "x", "--port", "0", "--poll-ms", str(poll)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    marks = {}
    while len(marks) < 2:
        line = p.stdout.readline()
        for k in ("monitor on", "listening on"):
            if line.startswith(k): marks[k] = time.time() - t0
    def cpu():
        f = open("/proc/%d/stat" % p.pid).read().split(")")[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    c0 = cpu(); time.sleep(10); c1 = cpu()  # time is what is measured: idle CPU over 10 s
    p.kill(); p.wait()
    return marks["monitor on"], marks["listening on"], (c1 - c0) / 10
for poll in (5, 50):
    rs = [run(poll) for _ in range(3)]
    print("poll-ms %d: monitor-on median %.0f ms, listening median %.0f ms, idle CPU %.1f%% of a core (median of 3)" % (
        poll, 1000*statistics.median(r[0] for r in rs), 1000*statistics.median(r[1] for r in rs), 100*statistics.median(r[2] for r in rs)))
