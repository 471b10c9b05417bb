"""Discord: client, destinations, embeds and /news commands (discord.py)."""
