"""gunicorn settings for CivicLoop: `gunicorn -c config/gunicorn.conf.py`.

The access log leaves out query strings and the referrer (they may hold e-mails and what people
typed): `%(U)s` is the path alone. Application logs go through Django's LOGGING, which redacts
query strings in every line (civicloop/web/access_log.py).
"""

wsgi_app = "config.wsgi:application"
accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s'
