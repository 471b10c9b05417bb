"""`newsbot demo`: the real bot over a few invented articles served on 127.0.0.1, offline.

content.py reads the bundled articles (data/articles.toml, our own invented stories),
server.py serves them as feeds round by round, script.py runs the real pipeline on them
(`bot.app.run_bot`, a database in a temporary folder, the shipped seeds and model, console
alerts) and says what was decided about each article.
"""
