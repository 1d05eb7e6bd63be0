"""Defector Bot: lookups and trivia about the List of Soviet and Eastern Bloc defectors."""

__version__ = "0.1.0"
