"""The files upload v2 flow, end to end through slack_sdk."""

from __future__ import annotations

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import SlackSandbox


def test_files_upload_v2_end_to_end(sandbox: SlackSandbox, client: WebClient) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    res = client.files_upload_v2(
        channel="C0LEADS",
        content=png,
        filename="approval.png",
        title="Collateral approval",
        initial_comment="This week's chart",
    )
    assert res["file"]["id"].startswith("F") and res["file"]["title"] == "Collateral approval"
    assert [c.method for c in sandbox.calls()] == [
        "files.getUploadURLExternal",
        "files.upload",
        "files.completeUploadExternal",
    ]
    (uploaded,) = sandbox.uploaded_files()
    assert uploaded["content"] == png and uploaded["filename"] == "approval.png"
    assert uploaded["channel_id"] == "C0LEADS" and uploaded["title"] == "Collateral approval"
    assert uploaded["initial_comment"] == "This week's chart"
    shared = sandbox.messages("C0LEADS")[0]
    assert shared["files"][0]["id"] == uploaded["id"] and shared["text"] == "This week's chart"


def test_text_content_in_a_thread(sandbox: SlackSandbox, client: WebClient) -> None:
    root = client.chat_postMessage(channel="C0SALES", text="export")["ts"]
    client.files_upload_v2(
        channel="C0SALES", content="a,b\n1,2\n", filename="feedback.csv", thread_ts=root
    )
    assert sandbox.uploaded_files()[0]["content"] == b"a,b\n1,2\n"
    assert sandbox.replies("C0SALES", root)[0]["files"][0]["name"] == "feedback.csv"


def test_multipart_upload_is_accepted(sandbox: SlackSandbox, client: WebClient) -> None:
    reserved = client.files_getUploadURLExternal(filename="notes.txt", length=5)
    httpx.post(reserved["upload_url"], files={"file": ("notes.txt", b"hello")}).raise_for_status()
    client.files_completeUploadExternal(files=[{"id": reserved["file_id"]}], channel_id="C0SALES")
    assert sandbox.uploaded_files()[0]["content"] == b"hello"
    assert sandbox.uploaded_files()[0]["title"] == "notes.txt"


def test_upload_errors(sandbox: SlackSandbox, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.files_upload_v2(channel="G0PRIVATE", content="x", filename="x.txt")
    assert err.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as err:
        client.files_completeUploadExternal(files=[{"id": "F404"}], channel_id="C0SALES")
    assert err.value.response["error"] == "file_not_found"
    assert httpx.post(sandbox.base_url + "upload/v1/F404", content=b"x").status_code == 404
    with pytest.raises(SlackApiError) as err:
        client.api_call("files.upload", data={"channels": "C0SALES", "content": "x"})
    assert err.value.response["error"] == "method_deprecated"
