"""gunicorn's configuration for the shop (`gunicorn -c python:luffycityapi.gunicorn_conf luffycityapi.wsgi`;
runshop uses it): its master, error and access logs go through the shop's logging (core/logconfig.py), so
LOG_FORMAT=json makes every line of the web server JSON too, and an access line at INFO carries no signed query
string."""
from luffycityapi.core.logconfig import logging_config

accesslog = "-"
logconfig_dict = logging_config()
