"""The personal public credit information catalog (个人公共信用信息目录).

Only what the catalog lists may be collected (R3). The catalog is data: a
versioned YAML file shipped in this package, validated when it is loaded
(`rules.load_catalog`), and served read-only over the API (`endpoints`).
"""
