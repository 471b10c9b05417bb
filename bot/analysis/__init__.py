"""The analysis: relevance -> claims -> novelty -> story -> summary, pure functions.

No I/O, no clock, no store or chat imports: look-ups go through the protocols in
`memory.py` (implemented over the SQLite store by bot.store.known, and in memory for
tests). `analyzer.Analyzer` composes the steps; `assess.AnalysisAssessor` is what the
pipeline calls.
"""
