"""Import every table module so metadata is complete (Alembic, tests)."""

from __future__ import annotations


def import_all() -> None:
    from chengxin.access import models as _access  # noqa: F401
    from chengxin.departments import models as _departments  # noqa: F401
    from chengxin.organisations import models as _organisations  # noqa: F401
    from chengxin.persons import models as _persons  # noqa: F401
    from chengxin.records import models as _records  # noqa: F401
