"""newsbot: watches news feeds for AI training-data disputes and reports only what is new."""

__version__ = "0.4.0"  # the one place the version is written (pyproject reads it)
PROJECT_URL = "https://github.com/newsbot-project/newsbot"
