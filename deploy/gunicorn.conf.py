"""gunicorn settings for the reform tracker; `make serve-prod` and the systemd unit use it.

Command-line flags (--bind, --workers) override these values.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: the app is database-bound; 2 × cores is a good start (4 on 2 cores).
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# The app writes one JSON line per request itself (ops.middleware.RequestLogMiddleware).
accesslog = None
errorlog = "-"
loglevel = "info"
# nginx on the same host (or the LAN) sets X-Forwarded-Proto; trust it only from there.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn ≥ 24 opens a control socket at a fixed per-user path; several instances
# on one host (reform-tracker@8001, @8002) would fight over it, and nothing uses it.
control_socket_disable = True
