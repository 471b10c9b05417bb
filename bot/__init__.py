"""newsbot: watches news feeds for AI training-data disputes and reports only what is new."""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/newsbot-project/newsbot"
