"""Link health: collateral links checked before each digest (SPEC: outbound HTTP is bounded)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, wait

import httpx
import sqlalchemy as sa
from sqlmodel import Session, col

from core.db import reading, writing
from core.fetch import LinkStatus, check_link
from models import Asset, WorkspaceRef, utcnow

MAX_LINKS = 200
MAX_PARALLEL = 8
DEADLINE_S = 8.0  # all checks together; a digest must post within 20 s with no network


def check_workspace_links(
    *,
    session: Session,
    http: httpx.Client,
    workspace: WorkspaceRef,
    allow_private: bool,
    deadline_s: float = DEADLINE_S,
) -> dict[int, LinkStatus]:
    """Check the workspace's newest links in parallel within one deadline; store the answers.

    Links whose check did not finish, or ended without a definite answer, keep their last
    known state.
    """
    # No transaction is held while the network is slow; the writes come after, briefly.
    with reading(session):
        rows = session.execute(
            sa.select(col(Asset.id), col(Asset.url))
            .where(col(Asset.workspace_id) == workspace.id)
            .order_by(col(Asset.id).desc())
            .limit(MAX_LINKS)
        ).all()
    if not rows:
        return {}
    pool = ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(rows)), thread_name_prefix="links")
    futures = {
        pool.submit(
            check_link, url, client=http, allow_private=allow_private, deadline_s=deadline_s / 2
        ): int(asset_id)
        for asset_id, url in rows
    }
    done, _ = wait(futures, timeout=deadline_s)
    pool.shutdown(wait=False, cancel_futures=True)
    results = {futures[f]: f.result() for f in done if f.exception() is None}
    now = utcnow()
    with writing(session):
        for asset_id, status in results.items():
            if status.ok is None:
                continue
            session.execute(
                sa.update(Asset)
                .where(col(Asset.id) == asset_id)
                .values(link_ok=status.ok, link_checked_at=now)
            )
    return results
