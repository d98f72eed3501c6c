"""Joint reward-and-punishment checks (联合奖惩核查): compare, intercept, lock, feed back."""
