"""Types of the integers a route takes in its path or query.

Every such integer ends up compared with, or stored in, a signed 64-bit column (PostgreSQL
bigint, SQLite INTEGER), and the drivers refuse a larger one with an error of their own (a 500).
So every int parameter is an `Int64`: outside the range it is an invalid value like any other,
answered 422 by validation before the route runs, and the OpenAPI document states the range.
`tests/core/test_int_params.py` sends 2**63 to every int parameter of every route.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

Int64 = Annotated[int, Interval(ge=INT64_MIN, le=INT64_MAX)]
