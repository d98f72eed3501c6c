"""Credit records (信用记录) and their collection (归集)."""
