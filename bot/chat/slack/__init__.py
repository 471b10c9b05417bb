"""Slack: client, destinations, Block Kit and /news commands (slack_sdk, slack_bolt)."""
