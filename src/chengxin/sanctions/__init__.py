"""Joint reward and punishment (联合奖惩).

The measure list (措施清单) is data: a versioned YAML file shipped in this
package and validated when it is loaded (`measures.load_measures`). Each
measure says what a department must do, whom it targets, in which business
scenario, and on what legal or policy basis (R9); rewards follow R11.
"""
