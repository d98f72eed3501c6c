"""The access log (查询日志): every read of personal data passes one choke point."""
