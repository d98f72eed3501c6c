"""What the browser downloads: the bytes of /docs and of the chart page's script, as sent (gzip), beside
the files as they are; and how long /docs takes the server, cold and once `chengxin serve` has warmed it.

    python -m bench.static

Prints a table on stderr and one JSON line per figure on stdout (see README.md). In-process (no
network): the server's own time per request, medians of 20.
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from bench.common import Figure
from chengxin.app import create_app, warm_documents
from chengxin.cli import prepare_database
from chengxin.crypto import create_key_file
from chengxin.settings import Settings
from chengxin.web.assets import ASSETS

GZIP = {"accept-encoding": "gzip, deflate, br"}


def _median_ms(client: TestClient, url: str, rounds: int = 20) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        client.get(url, headers=GZIP)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure() -> list[Figure]:
    tmp = Path(tempfile.mkdtemp())
    settings = Settings(data_dir=tmp)
    create_key_file(settings.resolved_key_file)
    prepare_database(settings)
    app = create_app(settings)
    client = TestClient(app)
    page = client.get("/docs").text
    urls = ["/docs", "/openapi.json", *re.findall(r'(?:src|href)="(/static/[^"]+)"', page)]
    start = time.perf_counter()
    for url in urls:  # a first visit to a server that has not warmed up
        client.get(url, headers=GZIP)
    cold = (time.perf_counter() - start) * 1000
    sent = sum(int(client.get(u, headers=GZIP).headers["content-length"]) for u in urls)
    raw = sum(len(client.get(u, headers={"accept-encoding": "identity"}).content) for u in urls)
    app2 = create_app(settings)
    warm_documents(app2)  # what `chengxin serve` does at start-up, in a thread
    warm_client = TestClient(app2)
    warm = sum(_median_ms(warm_client, u) for u in urls)
    echarts = ASSETS.assets["vendor/echarts-6.1.0-bar.min.js"]
    return [
        Figure("docs_bytes", sent, raw, "B", "ratio <= 0.35", sent <= 0.35 * raw,
               "/docs 首次访问下载的字节（gzip）/ bytes sent for a first visit to /docs",
               "未压缩 / the files as they are"),
        Figure("docs_server_ms", warm, cold, "ms", "value <= 200", warm <= 200,
               "预热后 /docs 与其全部文件的服务器时间 / server time of /docs and its files, warmed",
               "未预热的首次访问 / a first visit before warming"),
        Figure("echarts_bytes", len(echarts.body(True)), 367_921, "B", "ratio <= 0.6",
               len(echarts.body(True)) <= 0.6 * 367_921,
               "图表页的 ECharts（精简版，gzip）/ the chart page's ECharts (trimmed, gzipped)",
               "完整版 echarts.min.js（gzip）/ the whole echarts.min.js, gzipped"),
    ]


def main() -> None:
    figures = measure()
    for f in figures:
        print(f.table_line(), file=sys.stderr)
    for f in figures:
        print(f.json_line())


if __name__ == "__main__":
    main()
