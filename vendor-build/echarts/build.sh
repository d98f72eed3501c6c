#!/usr/bin/env bash
# Rebuild the trimmed ECharts bundle (see README.md). Needs node and npm (Debian's packages).
set -euo pipefail
cd "$(dirname "$0")"
npm install --no-audit --no-fund --silent
out=../../src/chengxin/web/static/vendor/echarts-6.1.0-bar.min.js
npx esbuild entry.js --bundle --minify --format=iife --target=es2017 --legal-comments=none \
  --banner:js="/*! ECharts 6.1.0 (Apache-2.0, see echarts.LICENSE and echarts.NOTICE): bar and line charts only, built by vendor-build/echarts */" \
  --outfile="$out"
ls -l "$out"
