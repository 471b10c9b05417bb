"""The Slack workspaces /news answers in: SLACK_BOT_TOKEN's and each route's other token.

A route into another workspace names the variable with that workspace's bot token
(`slack_token_env`). At start each token's team is looked up with auth.test; Bolt's
`authorize` then gives a request from a team the bot token of that team, so a command
typed in workspace B is answered (and its admin checked) with B's token. A request from a
team no token belongs to is refused, with one log line naming the team.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.slack.client import NETWORK_ERRORS

log = logging.getLogger(__name__)

MAIN_ENV = "SLACK_BOT_TOKEN"
REFUSED = (
    "newsbot is not set up for this workspace: give a route slack_token_env with this"
    " workspace's bot token, then restart the bot."
)


@dataclass(frozen=True)
class Workspace:
    """One workspace the bot answers in: its team, the variable of its token, the token."""

    team_id: str
    env: str  # SLACK_BOT_TOKEN, or the slack_token_env of a route
    token: str
    bot_user_id: str = ""
    bot_id: str = ""


class Workspaces:
    """Bot tokens by team id, looked up with auth.test (`resolve`), for Bolt's authorize."""

    def __init__(
        self, tokens: Mapping[str, str], make_client: Callable[[str], AsyncWebClient]
    ) -> None:
        """`tokens`: variable name -> bot token, SLACK_BOT_TOKEN's first."""
        self._tokens = dict(tokens)
        self._make_client = make_client
        self._by_team: dict[str, Workspace] = {}
        self._unresolved = dict(tokens)

    def __len__(self) -> int:
        return len(self._tokens)

    async def resolve(self) -> None:
        """Look up the team of each token not yet known; a refused token is logged and left
        out (its workspace's commands are refused), a network failure is tried again at
        the next request from an unknown team."""
        for env, token in list(self._unresolved.items()):
            try:
                answer = await self._make_client(token).auth_test()
            except SlackApiError as exc:
                log.error(
                    "slack: %s was refused by auth.test (%s); /news does not answer in its"
                    " workspace",
                    env,
                    exc.response.get("error"),
                )
                del self._unresolved[env]
                continue
            except NETWORK_ERRORS as exc:
                log.warning("slack: cannot look up the workspace of %s yet (%s)", env, exc)
                continue
            team = str(answer.get("team_id") or "")
            del self._unresolved[env]
            known = self._by_team.get(team)
            if known is not None:
                log.info(
                    "slack: %s is a second token of workspace %s; %s answers", env, team, known.env
                )
                continue
            self._by_team[team] = Workspace(
                team, env, token, str(answer.get("user_id") or ""), str(answer.get("bot_id") or "")
            )
            log.info("slack: /news answers in workspace %s (token %s)", team, env)

    def get(self, team_id: str) -> Workspace | None:
        return self._by_team.get(team_id)

    async def authorize(
        self, team_id: str | None, enterprise_id: str | None
    ) -> AuthorizeResult | None:
        """Bolt's authorize: the bot token of the request's team, or None (refused)."""
        team = str(team_id or "")
        workspace = self._by_team.get(team)
        if workspace is None and self._unresolved:
            await self.resolve()
            workspace = self._by_team.get(team)
        if workspace is None:
            log.warning(
                "slack: refused a request from workspace %s: no bot token of this bot belongs"
                " to it (known: %s)",
                team[:20] or "(none)",
                ", ".join(sorted(self._by_team)) or "none",
            )
            return None
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=workspace.team_id,
            bot_token=workspace.token,
            bot_user_id=workspace.bot_user_id or None,
            bot_id=workspace.bot_id or None,
        )

    def route_defaults(self, team_id: str) -> dict[str, str]:
        """What a route added from chat in this team takes by default: another workspace's
        route posts with that workspace's token."""
        workspace = self._by_team.get(team_id)
        if workspace is None or workspace.env == MAIN_ENV:
            return {}
        return {"slack_token_env": workspace.env}
