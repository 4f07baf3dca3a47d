"""Gunicorn settings for Pipekit (systemd runs: gunicorn -c deploy/gunicorn.conf.py)."""

wsgi_app = "pipekit_site.wsgi:application"
# nginx is the only client; it adds the proxy headers (see deploy/nginx/pipekit.conf).
bind = "127.0.0.1:8000"

# Run pages poll every 2 s while a load runs, so many short requests stay open at once:
# threads keep a few processes' worth of memory serving them. Loads never run inside a
# request (they are detached processes), so no request needs more than the timeout.
worker_class = "gthread"
workers = 3
threads = 8
timeout = 120
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so slow memory growth never needs a person.
max_requests = 2000
max_requests_jitter = 200

# Both logs go to stdout/stderr, which systemd hands to the journal.
accesslog = "-"
errorlog = "-"
# Gunicorn's control socket is unused here and would collide between instances.
control_socket_disable = True
