"""The analysis: relevance -> claims -> novelty -> story -> summary, pure functions.

No I/O, no clock, no store or chat imports: look-ups go through the protocols in
`memory.py` (implemented by the SQLite store and, for tests, in memory). `analyzer.Analyzer`
composes the steps; `judge.AnalysisJudge` is what the pipeline calls.
"""
