"""Reader feedback that teaches the bot: labelled examples and the local refit."""
