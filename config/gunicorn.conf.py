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
# Processes, not threads: the sync worker is the one whose behaviour under SIGTERM is simplest.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
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
