"""Pure quiz rules: question generation, answer judging and the game state machine.

No discord, no database, no asyncio: time and randomness are parameters.
"""
