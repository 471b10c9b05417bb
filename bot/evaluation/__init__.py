"""Tooling, not the running bot: the eval measures, labelled streams, folds, and fitting the
relevance model. The bot never imports this package; `newsbot eval` and `make model` do."""
