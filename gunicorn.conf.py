"""gunicorn settings for kneeinfo: `gunicorn kneeinfo.wsgi --config gunicorn.conf.py`.

Everything comes from the environment: HOST and PORT (default 127.0.0.1:8000) and
WEB_CONCURRENCY (worker processes; default two per CPU plus one, at most eight).
"""

import gc
import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or min(multiprocessing.cpu_count() * 2 + 1, 8))
worker_class = "sync"
timeout = 30  # a request that takes longer than this is stuck: restart the worker
graceful_timeout = 20  # on restart, let requests in flight finish
keepalive = 5
# The app is loaded once and forked, so a recycled worker starts in milliseconds (deploy new
# code with a full restart, not HUP). Workers are recycled now and then so memory stays flat,
# but rarely: without Redis a worker's page cache lives in its memory and goes with it (at
# 20,000 requests, a worker under full load lost its cache every half minute).
preload_app = True
max_requests = 200000
max_requests_jitter = 20000
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'

errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 8190
limit_request_fields = 100
control_socket_disable = (
    True  # no control socket in the home folder: nothing to manage from outside
)


def pre_fork(server, worker):
    """Everything loaded before the fork (Django, our modules, compiled templates) is moved out
    of the garbage collector's sight: a worker's full collection then scans only what it made
    itself (a full collection over all of it cost ~30 ms in the middle of a request), and the
    pages of memory the workers share are not copied by the collector touching them.

    A database connection the master may have opened while loading is closed first: workers
    keep their connections between requests, and one must never be shared across a fork."""
    from django.db import connections

    connections.close_all()
    gc.freeze()
