"""Red, black and watch lists (红名单, 严重失信主体名单, 重点关注名单)."""
