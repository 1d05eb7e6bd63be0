"""discord.py extensions (thin adapters over bot/services). None are loaded yet: the Discord
client and its commands arrive with the bot itself."""
