"""Everything Slack-shaped: the Bolt app, ids, guard, forms, listeners, messages, the notifiers.

The core hands this layer facts (ids, numbers, enums, people's own words); only here do they become
mentions, emoji and escaped mrkdwn.
"""
