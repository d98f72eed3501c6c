"""Import every table module so metadata is complete (Alembic, tests)."""

from __future__ import annotations


def import_all() -> None:
    from chengxin.access import models as _access  # noqa: F401
    from chengxin.accounts import models as _accounts  # noqa: F401
    from chengxin.alerts import models as _alerts  # noqa: F401
    from chengxin.articles import models as _articles  # noqa: F401
    from chengxin.authorisations import models as _authorisations  # noqa: F401
    from chengxin.cases import models as _cases  # noqa: F401
    from chengxin.checks import models as _checks  # noqa: F401
    from chengxin.conflicts import models as _conflicts  # noqa: F401
    from chengxin.credentials import models as _credentials  # noqa: F401
    from chengxin.departments import models as _departments  # noqa: F401
    from chengxin.editions import models as _editions  # noqa: F401
    from chengxin.exchange import models as _exchange  # noqa: F401
    from chengxin.explanations import models as _explanations  # noqa: F401
    from chengxin.generations import models as _generations  # noqa: F401
    from chengxin.keyring import models as _keyring  # noqa: F401
    from chengxin.listing import models as _listing  # noqa: F401
    from chengxin.matters import models as _matters  # noqa: F401
    from chengxin.notices import models as _notices  # noqa: F401
    from chengxin.objections import models as _objections  # noqa: F401
    from chengxin.organisations import models as _organisations  # noqa: F401
    from chengxin.persons import models as _persons  # noqa: F401
    from chengxin.points import models as _points  # noqa: F401
    from chengxin.publicity import models as _publicity  # noqa: F401
    from chengxin.records import models as _records  # noqa: F401
    from chengxin.remedies import models as _remedies  # noqa: F401
    from chengxin.repairs import models as _repairs  # noqa: F401
    from chengxin.reports import models as _reports  # noqa: F401
    from chengxin.retention import models as _retention  # noqa: F401
    from chengxin.tipoffs import models as _tipoffs  # noqa: F401
    from chengxin.watch import models as _watch  # noqa: F401
