# hold_lock.py PROJECT LOCKED RELEASE — run by tests/e2e scripts (in the
# background, as `python3 .../lib/hold_lock.py ... &`, so $! is its pid):
# takes PROJECT's write lock (BEGIN IMMEDIATE), creates the file LOCKED,
# holds the lock until the file RELEASE exists (at most 60 s), commits.
import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
end = time.time() + 60
while not os.path.exists(sys.argv[3]) and time.time() < end:
    time.sleep(0.05)
c.execute("COMMIT")
