"""Local development and `make run`: the embedded SQLite database, debug pages on."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env_bool

DEBUG = env_bool("DEBUG", True)
