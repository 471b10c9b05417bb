"""The exit codes of every command (README: exit codes), in a module that imports nothing,
so the command line can name them without loading the bot."""

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
EXIT_ALL_FEEDS_FAILED = 3  # run --once: not one feed could be polled (README: exit codes)
