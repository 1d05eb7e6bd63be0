"""Use-cases with I/O: they talk to bot/db and bot/catalog/bot/quiz, never to discord."""
