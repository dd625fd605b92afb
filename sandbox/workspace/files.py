"""files.*: the two-step external upload, shared in channels as bot messages."""

from __future__ import annotations

from sandbox.workspace.chat import ChatApi
from sandbox.workspace.core import ApiError, JsonDict, Params, TokenInfo
from sandbox.workspace.params import int_arg, json_arg, str_arg


class FilesApi(ChatApi):
    """files.getUploadURLExternal, the upload itself, files.completeUploadExternal.

    A completed upload is shared as a bot message, hence the chat message store beneath.
    """

    def files_get_upload_url_external(self, p: Params, info: TokenInfo) -> JsonDict:
        """files.getUploadURLExternal: reserve a file id and an upload URL."""
        filename = str_arg(p, "filename")
        length = int_arg(p, "length", -1)
        if not filename or length < 0:
            raise ApiError("invalid_arguments")
        file_id = self.new_id("F")
        self.pending_files[file_id] = {
            "id": file_id,
            "filename": filename,
            "length": length,
            "alt_txt": str_arg(p, "alt_txt") or None,
            "snippet_type": str_arg(p, "snippet_type") or None,
            "content": None,
        }
        return {"ok": True, "upload_url": f"{self.base_url}upload/v1/{file_id}", "file_id": file_id}

    def receive_upload(self, file_id: str, content: bytes) -> bool:
        """Store bytes posted to an upload URL; False when the id is unknown."""
        pending = self.pending_files.get(file_id)
        if pending is None:
            return False
        pending["content"] = content
        return True

    def files_complete_upload_external(self, p: Params, info: TokenInfo) -> JsonDict:
        """files.completeUploadExternal: finish uploads and share them in a channel."""
        files = json_arg(p, "files")
        if not isinstance(files, list) or not files:
            raise ApiError("invalid_arguments")
        channel_ids = [c for c in str_arg(p, "channels").split(",") if c]
        if str_arg(p, "channel_id"):
            channel_ids.insert(0, str_arg(p, "channel_id"))
        channels = [self.channel(cid) for cid in channel_ids]
        for c in channels:
            self._can_post(c)
        done: list[JsonDict] = []
        for item in files:
            if not isinstance(item, dict):
                raise ApiError("invalid_arguments")
            pending = self.pending_files.get(str(item.get("id")))
            if pending is None or pending["content"] is None:
                raise ApiError("file_not_found")
            done.append({**pending, "title": item.get("title") or pending["filename"]})
        thread_ts = str_arg(p, "thread_ts")
        comment = str_arg(p, "initial_comment")
        shared: list[JsonDict] = []
        for f in done:
            del self.pending_files[f["id"]]
            shared.append({"id": f["id"], "title": f["title"]})
            record = {
                **f,
                "channel_id": channel_ids[0] if channel_ids else None,
                "channels": channel_ids,
                "initial_comment": comment or None,
                "thread_ts": thread_ts or None,
            }
            self.files.append(record)
        for c in channels:
            file_objs = [
                {
                    "id": f["id"],
                    "name": f["filename"],
                    "title": f["title"],
                    "size": len(f["content"]),
                }
                for f in done
            ]
            self._new_message(
                c, info, {"text": comment, "files": file_objs, "upload": True}, thread_ts
            )
        return {"ok": True, "files": shared}
