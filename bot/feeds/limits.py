"""Limits of the feed commands, in a module that imports nothing, so the command line can
name them in its help without loading the HTTP client or the store."""

MAX_PREVIEW_ITEMS = 10  # items analysed by one preview (each is a full analysis)
MAX_URL_CHARS = 2000  # a feed's or a reported page's address
