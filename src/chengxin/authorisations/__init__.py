"""Authorised queries (授权查询, R6): a person lets a third party query their file, for a purpose."""
