"""Abnormal use (异常使用): rules over the access log and security events raise alerts for auditors."""
