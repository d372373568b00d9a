#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The bench-smoke test: the whole suite with tiny sizes, then a check
# that the report is well formed. Timings are never asserted here.
#
# usage: bench/smoke.sh BUILD_DIR OUT_DIR
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$2"
"$here/run.sh" --smoke --out "$2" "$1"
"$here/check-results.sh" "$2"
