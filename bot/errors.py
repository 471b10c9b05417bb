"""The project's error hierarchy: one root, one subclass per failing part."""


class NewsbotError(Exception):
    """Root of every error the bot raises on purpose."""


class ConfigError(NewsbotError):
    """The configuration is unusable; the message names the key and the problem."""


class SeedError(NewsbotError):
    """A seed file cannot be read; the message names the file and the problem."""


class StoreError(NewsbotError):
    """The database cannot be opened or migrated."""


class SearchQueryError(NewsbotError):
    """A user's search query cannot be run; the message is safe to show to the user."""


class FeedError(NewsbotError):
    """A feed could not be fetched or parsed; kept as a value in poll results."""


class AddressRefused(FeedError, OSError):
    """The private-address guard refused a host (an OSError, as a name lookup's failure
    must be); the message starts with "refused:" and says how to allow it."""


class HostNotFound(FeedError, OSError):
    """A feed's host name could not be resolved (no such host, or no DNS at all: the
    machine may be offline)."""


class FeedManagementError(NewsbotError):
    """A feed cannot be added, removed or imported; the message is safe to show users."""


class ChatError(NewsbotError):
    """A chat platform refused or failed a request.

    `retry_after` (seconds) is set when the platform said when to try again;
    `permanent` marks a message the platform will never accept as sent.
    """

    def __init__(
        self, message: str, *, retry_after: float | None = None, permanent: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


class ThreadGone(ChatError):
    """A story's thread can take no more replies (deleted, archived, locked to the bot);
    the story starts over with a new message in the channel."""
