"""The person credit file (个人信用档案): one subject's records as of a day."""
