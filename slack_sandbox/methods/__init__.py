"""The Web API methods the sandbox answers, by name, as Slack spells them."""

from __future__ import annotations

from collections.abc import Callable

from slack_sandbox.methods import chat, conversations, files, usergroups, users, views
from slack_sandbox.params import Params
from slack_sandbox.state import JsonDict
from slack_sandbox.workspace import Workspace

Handler = Callable[[Workspace, Params], JsonDict]

METHODS: dict[str, Handler] = {
    "auth.test": users.auth_test,
    "users.info": users.info,
    "users.list": users.list_users,
    "users.conversations": conversations.user_conversations,
    "usergroups.users.list": usergroups.users_list,
    "conversations.create": conversations.create,
    "conversations.invite": conversations.invite,
    "conversations.info": conversations.info,
    "conversations.join": conversations.join,
    "conversations.archive": conversations.archive,
    "conversations.setTopic": conversations.set_topic,
    "conversations.history": conversations.history,
    "conversations.replies": conversations.replies,
    "conversations.members": conversations.members,
    "conversations.list": conversations.list_conversations,
    "conversations.open": conversations.open_dm,
    "chat.postMessage": chat.post_message,
    "chat.update": chat.update,
    "chat.delete": chat.delete,
    "chat.postEphemeral": chat.post_ephemeral,
    "chat.getPermalink": chat.get_permalink,
    "pins.add": chat.pins_add,
    "pins.list": chat.pins_list,
    "reactions.add": chat.reactions_add,
    "views.open": views.open_view,
    "views.push": views.push_view,
    "views.update": views.update_view,
    "views.publish": views.publish_view,
    "files.getUploadURLExternal": files.get_upload_url,
    "files.completeUploadExternal": files.complete_upload,
    "files.info": files.info,
    "files.list": files.list_files,
}

__all__ = ["METHODS", "Handler"]
