"""Repositories for quizzes, one module per area, over :mod:`bot.db.quiz.tables`:

* :mod:`~bot.db.quiz.games`: game records;
* :mod:`~bot.db.quiz.ledger`: the answer ledger and its aggregates;
* :mod:`~bot.db.quiz.leaderboards`: boards and ranks;
* :mod:`~bot.db.quiz.stats`: player statistics;
* :mod:`~bot.db.quiz.settings`: per-guild settings.

Every function takes the session factory first and everything else by keyword, runs one
transaction per business operation, and returns plain data (no ORM rows leave the package).
"""
