"""One served app for the whole fuzz package: its own sandbox, database and log watch.

Every fuzz target sends real signed HTTP requests into the real Bolt app behind uvicorn
and judges each answer the way Slack and the person would see it (`Rig.check_*`, in
tests/support/fuzzing.py).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.db import make_engine, migrate
from sandbox import SlackDriver, SlackSandbox
from tests.support.databases import truncate_postgres
from tests.support.fuzzing import ErrorLog, Rig, seed_campaign
from tests.support.serving import (
    ENV_PREFIXES,
    MANIFEST_BOT_SCOPES,
    SIGNING_SECRET,
    make_settings,
    serve_app,
)


@pytest.fixture(scope="package")
def rig(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """The app served once for every fuzz target, on a throw-away database.

    SQLite by default; `LIAISON_FUZZ_POSTGRES=1` with TEST_DATABASE_URL fuzzes PostgreSQL
    (which, unlike SQLite, refuses NUL characters and out-of-range integers).
    """
    directory: Path = tmp_path_factory.mktemp("fuzz")
    if os.environ.get("LIAISON_FUZZ_POSTGRES") == "1":
        url = request.getfixturevalue("postgres_migrated")
        truncate_postgres(url)
    else:
        url = f"sqlite:///{directory / 'fuzz.db'}"
        migrate(url)
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(ENV_PREFIXES) or name == "TEST_DATABASE_URL":
                patch.delenv(name)
        patch.chdir(directory)
        engine = make_engine(url)
        errors = ErrorLog()
        watched = [logging.getLogger(), logging.getLogger("uvicorn")]
        with SlackSandbox(bot_scopes=MANIFEST_BOT_SCOPES) as sandbox:
            # Outbound fetches stay on this machine: fuzzed links to private or unknown
            # hosts are refused at once instead of waiting on the network.
            settings_ = make_settings(sandbox, url, liaison_allow_private_urls=False)
            with serve_app(settings_, engine) as served:
                for logger in watched:
                    logger.addHandler(errors)
                driver = SlackDriver(served.events_url, SIGNING_SECRET, sandbox=sandbox)
                try:
                    seeded = seed_campaign(driver, sandbox, engine)
                    errors.take()
                    rig = Rig(
                        driver=driver,
                        sandbox=sandbox,
                        engine=engine,
                        errors=errors,
                        seeded=seeded,
                        listeners=served.runtime.executor,
                    )
                    yield rig
                    # Shown with `pytest -s`: what ran, and what the libraries refused.
                    report = ", ".join(f"{k}={v}" for k, v in sorted(rig.counts.items()))
                    print(f"\nfuzz examples per target: {report}")
                    print(
                        "errors raised inside slack_bolt / slack_sdk on broken payloads "
                        f"(tolerated): {len(rig.library_errors)}"
                    )
                    for kind in sorted(set(rig.library_errors)):
                        print(f"  {kind}")
                finally:
                    for logger in watched:
                        logger.removeHandler(errors)
                    driver.close()
        engine.dispose()
