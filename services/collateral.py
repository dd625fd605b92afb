"""Collateral: register, find, and record use of assets."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

import httpx
import sqlalchemy as sa
from sqlmodel import Session, col, select

from core.db import SessionScope, writing
from core.fetch import FetchError, PrivateAddress, fetch_page_title
from domain.assets import (
    AssetRef,
    AssetSummary,
    Lookup,
    fallback_title,
    lookup,
    make_handle,
    normalise_handle,
    rank,
    search_terms,
)
from models import Asset, CampaignAsset, Source, Usage, Vote, VoteValue, Workspace, WorkspaceRef
from services.errors import UserError

MAX_ASSETS_PER_WORKSPACE = 100_000
SEARCH_CANDIDATES = 500


@dataclass(frozen=True)
class Added:
    """The result of `/collateral add`: the asset and whether it already existed.

    `named_from_url` says the page's title could not be read (and `problem` why, when the
    fetch was refused), so the asset was named after its link.
    """

    asset: Asset
    existed: bool
    named_from_url: bool = False
    problem: str | None = None


@dataclass(frozen=True)
class UsageResult:
    """The result of `/collateral used`: the asset and the caller's use count, or candidates."""

    asset: Asset | None
    candidates: tuple[AssetRef, ...]
    count: int


PRIVATE_LINK = (
    "That link points to a private or internal address, so it wasn't added. "
    "Liaison registers public web pages: `/collateral add <url> [title]`."
)


def register_asset(
    *,
    session: Session,
    http: httpx.Client,
    workspace: WorkspaceRef,
    url: str,
    title: str | None,
    user_id: str,
    allow_private: bool,
) -> Added:
    """Register an asset, fetching the page's title when none was given."""
    if title is not None:
        return add_asset(
            session=session, workspace=workspace, url=url, title=title, user_id=user_id
        )
    problem = None
    try:
        fetched = fetch_page_title(url, client=http, allow_private=allow_private)
    except PrivateAddress as exc:
        # Refused, and without saying what the name resolves to (no internal DNS oracle).
        raise UserError(PRIVATE_LINK) from exc
    except FetchError as exc:
        fetched, problem = None, str(exc)
    added = add_asset(
        session=session,
        workspace=workspace,
        url=url,
        title=fetched or fallback_title(url),
        user_id=user_id,
    )
    if added.existed:
        return added
    return Added(asset=added.asset, existed=False, named_from_url=fetched is None, problem=problem)


def add_asset(
    *, session: Session, workspace: WorkspaceRef, url: str, title: str, user_id: str
) -> Added:
    """Register an asset under a new handle, or return the one already at that URL."""
    with writing(session):
        asset, existed = insert_asset(
            session=session, workspace=workspace, url=url, title=title, user_id=user_id
        )
    return Added(asset=asset, existed=existed)


def insert_asset(
    *,
    session: Session,
    workspace: WorkspaceRef,
    url: str,
    title: str,
    user_id: str,
    campaign_id: int | None = None,
) -> tuple[Asset, bool]:
    """Add an asset within the caller's transaction; (asset, True) when the link existed."""
    key = url_key(url)
    existing = _by_url_key(session, workspace, key)
    if existing is not None:
        return existing, True
    # One atomic UPDATE hands out the number, so concurrent adds never share a handle.
    number = (
        session.execute(
            sa.update(Workspace)
            .where(col(Workspace.id) == workspace.id)
            .values(next_asset_number=col(Workspace.next_asset_number) + 1)
            .returning(col(Workspace.next_asset_number))
        ).scalar_one()
        - 1
    )
    if number > MAX_ASSETS_PER_WORKSPACE:
        # The caller's step (add_asset's, prepare_campaign's) rolls the number back.
        raise UserError("This workspace has reached Liaison's limit of 100,000 assets.")
    assert workspace.id is not None
    asset = Asset(
        workspace_id=workspace.id,
        number=number,
        handle=make_handle(title, number),
        title=title,
        url=url,
        url_key=key,
        added_by=user_id,
        campaign_id=campaign_id,
    )
    try:
        with session.begin_nested():
            session.add(asset)
    except sa.exc.IntegrityError:
        # Someone added the same link at the same moment: theirs stands.
        existing = _by_url_key(session, workspace, key)
        if existing is None:
            raise
        return existing, True
    return asset, False


def url_key(url: str) -> str:
    """The indexable identity of a link."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def _by_url_key(session: Session, workspace: WorkspaceRef, key: str) -> Asset | None:
    return session.exec(
        select(Asset).where(Asset.workspace_id == workspace.id, Asset.url_key == key)
    ).first()


def _refs(session: Session, workspace: WorkspaceRef, terms: list[str] | None) -> list[AssetRef]:
    query = select(Asset.id, Asset.handle, Asset.title).where(Asset.workspace_id == workspace.id)
    if terms:
        # Narrow in SQL by any word, then rank precisely in Python.
        clauses: list[sa.ColumnElement[bool]] = [
            col(Asset.title).ilike(f"%{_like_escape(t)}%", escape="\\") for t in terms
        ]
        clauses += [sa.func.upper(Asset.handle) == t.upper() for t in terms]
        query = query.where(sa.or_(*clauses))
    query = query.order_by(col(Asset.id).desc()).limit(SEARCH_CANDIDATES)
    return [_ref(row) for row in session.exec(query)]


def _ref(row: tuple[int | None, str, str]) -> AssetRef:
    assert row[0] is not None
    return AssetRef(id=row[0], handle=row[1], title=row[2])


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_assets(
    *, session: Session, workspace: WorkspaceRef, query: str, limit: int = 10
) -> list[AssetSummary]:
    """Assets whose title or handle matches the query words, best first."""
    terms = search_terms(query)
    if not terms:
        return []
    # SQL's LIKE folds case for ASCII only (SQLite), so other scripts are ranked in Python.
    narrowed = terms if all(t.isascii() for t in terms) else None
    ids = [r.id for r in rank(query, _refs(session, workspace, narrowed), limit=limit)]
    exact = _by_handle(session, workspace, query)
    if exact is not None:
        ids = [exact.id, *(i for i in ids if i != exact.id)][:limit]
    return with_stats(session, ids)


def _by_handle(session: Session, workspace: WorkspaceRef, text: str) -> AssetRef | None:
    handle = normalise_handle(text)
    if handle is None:
        return None
    row = session.exec(
        select(Asset.id, Asset.handle, Asset.title).where(
            Asset.workspace_id == workspace.id, Asset.handle == handle
        )
    ).first()
    return _ref(row) if row is not None else None


def find_asset(*, session: Session, workspace: WorkspaceRef, name: str) -> Lookup:
    """Resolve a handle or title words to one asset, or to candidates."""
    exact = _by_handle(session, workspace, name)
    if exact is not None:
        return Lookup(match=exact, candidates=())
    terms = search_terms(name)
    candidates = _refs(session, workspace, terms) if terms else []
    if not candidates:
        # Nothing shares a word: compare against everything for close spellings.
        candidates = _refs(session, workspace, None)
    return lookup(name, candidates)


def record_usage(
    *, session: Session, workspace: WorkspaceRef, name: str, user_id: str
) -> UsageResult:
    """Record that a rep used the named asset with a customer, or return the candidates."""
    found = find_asset(session=session, workspace=workspace, name=name)
    if found.match is None:
        return UsageResult(asset=None, candidates=found.candidates, count=0)
    with writing(session):
        asset = session.get(Asset, found.match.id)
        assert asset is not None and asset.id is not None
        session.add(
            Usage(
                workspace_id=asset.workspace_id,
                asset_id=asset.id,
                user_id=user_id,
                source=Source.COMMAND,
            )
        )
    count = session.exec(
        select(sa.func.count()).where(Usage.asset_id == asset.id, Usage.user_id == user_id)
    ).one()
    return UsageResult(asset=asset, candidates=(), count=count)


def top_assets(*, session: Session, workspace: WorkspaceRef, limit: int = 10) -> list[AssetSummary]:
    """The workspace's most useful assets: approvals, then use, then newest."""
    # Aggregate each table on its own before joining: joining votes to uses directly
    # would multiply rows per asset.
    votes = (
        sa.select(
            col(Vote.asset_id).label("asset_id"),
            sa.func.count().filter(col(Vote.value) == VoteValue.USEFUL).label("useful"),
        )
        .where(col(Vote.workspace_id) == workspace.id)
        .group_by(col(Vote.asset_id))
        .subquery()
    )
    uses = (
        sa.select(col(Usage.asset_id).label("asset_id"), sa.func.count().label("used"))
        .where(col(Usage.workspace_id) == workspace.id)
        .group_by(col(Usage.asset_id))
        .subquery()
    )
    query = (
        sa.select(col(Asset.id))
        .outerjoin(votes, votes.c.asset_id == col(Asset.id))
        .outerjoin(uses, uses.c.asset_id == col(Asset.id))
        .where(col(Asset.workspace_id) == workspace.id)
        .order_by(
            sa.func.coalesce(votes.c.useful, 0).desc(),
            sa.func.coalesce(uses.c.used, 0).desc(),
            col(Asset.id).desc(),
        )
        .limit(limit)
    )
    return with_stats(session, [int(i) for i in session.execute(query).scalars()])


def with_stats(session: Session, asset_ids: list[int]) -> list[AssetSummary]:
    """Load assets with their counts, keeping the order of `asset_ids`."""
    if not asset_ids:
        return []
    assets = {a.id: a for a in session.exec(select(Asset).where(col(Asset.id).in_(asset_ids)))}
    votes = session.execute(
        select(
            Vote.asset_id,
            sa.func.count().filter(col(Vote.value) == VoteValue.USEFUL),
            sa.func.count().filter(col(Vote.value) == VoteValue.NEEDS_WORK),
        )
        .where(col(Vote.asset_id).in_(asset_ids))
        .group_by(col(Vote.asset_id))
    ).all()
    uses = session.execute(
        select(Usage.asset_id, sa.func.count())
        .where(col(Usage.asset_id).in_(asset_ids))
        .group_by(col(Usage.asset_id))
    ).all()
    vote_counts = {row[0]: (row[1], row[2]) for row in votes}
    use_counts = {row[0]: row[1] for row in uses}
    return [
        AssetSummary(
            id=i,
            handle=assets[i].handle,
            title=assets[i].title,
            url=assets[i].url,
            useful=vote_counts.get(i, (0, 0))[0],
            needs_work=vote_counts.get(i, (0, 0))[1],
            used=use_counts.get(i, 0),
        )
        for i in asset_ids
        if i in assets
    ]


TITLES_DEADLINE_S = 6.0


def fetch_titles(*, http: httpx.Client, urls: list[str], allow_private: bool) -> dict[str, str]:
    """Page titles for several links at once, within TITLES_DEADLINE_S altogether.

    Links whose title could not be read in time are left out (callers name them after
    the link).
    """
    if not urls:
        return {}
    pool = ThreadPoolExecutor(max_workers=min(8, len(urls)), thread_name_prefix="titles")
    futures = {pool.submit(_title_or_none, http, url, allow_private): url for url in urls}
    done, _ = wait(futures, timeout=TITLES_DEADLINE_S)
    pool.shutdown(wait=False, cancel_futures=True)
    titles = {}
    for future in done:
        title = future.result()
        if title:
            titles[futures[future]] = title
    return titles


def _title_or_none(http: httpx.Client, url: str, allow_private: bool) -> str | None:
    try:
        return fetch_page_title(url, client=http, allow_private=allow_private)
    except FetchError:
        return None


MAX_PICKER = 100


def pick_assets(
    *, session: Session, workspace: WorkspaceRef, query: str, campaign_id: int | None = None
) -> list[AssetRef]:
    """Assets for the feedback modal's picker: the best matches for what was typed.

    With nothing typed: the campaign's own assets first (when the modal is about one),
    then the newest.
    """
    if query:
        exact = _by_handle(session, workspace, query)
        terms = search_terms(query)
        narrowed = terms if terms and all(t.isascii() for t in terms) else None
        ranked = rank(query, _refs(session, workspace, narrowed), limit=MAX_PICKER) if terms else []
        refs = [exact, *ranked] if exact is not None else ranked
    else:
        refs = _refs(session, workspace, None)
        if campaign_id is not None:
            own = _campaign_refs(session, workspace, campaign_id)
            refs = [*own, *refs]
    return list({r.id: r for r in refs}.values())[:MAX_PICKER]


def _campaign_refs(session: Session, workspace: WorkspaceRef, campaign_id: int) -> list[AssetRef]:
    rows = session.exec(
        select(Asset.id, Asset.handle, Asset.title)
        .join(CampaignAsset, col(CampaignAsset.asset_id) == Asset.id)
        .where(Asset.workspace_id == workspace.id, CampaignAsset.campaign_id == campaign_id)
        .order_by(col(CampaignAsset.position))
    )
    return [_ref(row) for row in rows]


def asset_ref(*, session: Session, workspace: WorkspaceRef, asset_id: int) -> AssetRef | None:
    """One asset of this workspace, by id."""
    row = session.exec(
        select(Asset.id, Asset.handle, Asset.title).where(
            Asset.workspace_id == workspace.id, Asset.id == asset_id
        )
    ).first()
    return _ref(row) if row is not None else None


# The `/collateral` sub-commands as use cases: each opens and ends its own transaction.


def add_collateral(
    *,
    db: SessionScope,
    http: httpx.Client,
    workspace: WorkspaceRef,
    url: str,
    title: str | None,
    user_id: str,
    allow_private: bool,
) -> Added:
    """`/collateral add`: register a link (its page's title read first when none was given)."""
    # The session begins its transaction at its first query, after the title is fetched.
    with db() as session:
        return register_asset(
            session=session,
            http=http,
            workspace=workspace,
            url=url,
            title=title,
            user_id=user_id,
            allow_private=allow_private,
        )


def search_collateral(
    *, read: SessionScope, workspace: WorkspaceRef, query: str
) -> list[AssetSummary]:
    """`/collateral search`: the assets matching the query words, best first."""
    with read() as session:
        return search_assets(session=session, workspace=workspace, query=query)


def use_collateral(
    *, db: SessionScope, workspace: WorkspaceRef, name: str, user_id: str
) -> UsageResult:
    """`/collateral used`: record a use of the named asset, or return the candidates."""
    with db() as session:
        return record_usage(session=session, workspace=workspace, name=name, user_id=user_id)


def list_top_collateral(*, read: SessionScope, workspace: WorkspaceRef) -> list[AssetSummary]:
    """`/collateral top`: the workspace's most useful assets."""
    with read() as session:
        return top_assets(session=session, workspace=workspace)
