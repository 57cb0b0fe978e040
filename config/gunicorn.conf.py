"""gunicorn settings for CivicLoop: `civicloop serve` runs `gunicorn -c config/gunicorn.conf.py`.

The access log leaves out query strings and the referrer (they may hold e-mails and what people
typed): `%(U)s` is the path alone. Application logs go through Django's LOGGING, which redacts
query strings in every line (civicloop/web/access_log.py). Why gunicorn: docs/adr/0013.

Command-line options (`--bind`, `--workers`) override what is set here; the environment
variables below are for running gunicorn directly (the container does).
"""

import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("CIVICLOOP_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads in each process (gthread): a request waiting on the database's fsync or the event
# outbox lets another run. bench/load.py measured the sync worker (one request at a time) at
# half the pages per second of Django's threaded development server on this machine, and two
# processes of four threads on a par with it (docs/operations.md, "Load test").
worker_class = "gthread"
threads = int(os.environ.get("CIVICLOOP_WEB_THREADS", "4"))
# Longer than the pause between two requests of a page (assets, htmx), so a browser's
# kept-alive connection is not closed under it.
keepalive = 5
# A request that takes longer than this is killed (and logged); reports render in tasks.
timeout = int(os.environ.get("CIVICLOOP_WEB_TIMEOUT", "60"))
# On SIGTERM each web process finishes its request, for at most this long, then exits.
graceful_timeout = int(os.environ.get("CIVICLOOP_WEB_GRACEFUL_TIMEOUT", "20"))
# Recycle processes now and then so a slow leak never grows for ever.
max_requests = 2000
max_requests_jitter = 200
# The heartbeat files live in memory, not on a container's overlay disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s'
# X-Forwarded-* are trusted only from these addresses (the reverse proxy in front).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No control socket in $HOME: several servers (and tests) run side by side.
control_socket_disable = True
