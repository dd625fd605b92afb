"""Where core/digest_cli.py and core/export_cli.py still find `migrate_or_explain`.

It lives in core/db.py. Both command-line modules are being rewritten (the use-case merge);
when they move to app/ and import it from core.db, this module goes.
"""

from __future__ import annotations

from core.db import migrate_or_explain

__all__ = ["migrate_or_explain"]
