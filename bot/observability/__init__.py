"""What an operator sees of a running bot: Prometheus metrics, log records, request ids.

Nothing here decides anything; the app's layers report to it. It imports nothing of `bot.slack`,
`bot.api` or `storage`, so each of them may use it.
"""
