#!/usr/bin/env bash
# Python package: builds the abi3 wheel, installs it into a fresh virtual environment, runs
# pytest, mypy (strict) over the package, tests and quickstart, stubtest, and the quickstart.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target=${CARGO_TARGET_DIR:-$root/target}
venv=$target/py-venv
wheels=$target/py-wheels

echo "== python: fresh venv in $venv"
rm -rf "$venv" "$wheels"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check maturin pytest mypy openapi-spec-validator

echo "== python: build and install the wheel"
# Debug profile: shares most artifacts with `cargo test`; benches/python/run.sh builds release.
(cd casiscan-py && "$venv/bin/maturin" build -q -o "$wheels" -i "$venv/bin/python")
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$wheels"/casiscan-*.whl

echo "== python: build the CLI (tests compare to_dict() with its parse-nmap JSON)"
cargo build -q -p casiscan-examples
export CASISCAN_BIN=$target/debug/casiscan

if [ -z "${CASISCAN_TEST_PG_URL:-}" ] && [ -d /usr/lib/postgresql ] && [ "$(id -u)" = 0 ]; then
    echo "== python: PostgreSQL for the tests"
    pg=$(bash scripts/pg-start.sh)
    export CASISCAN_TEST_PG_URL=$(echo "$pg" | sed -n 1p)
    pgdir=$(echo "$pg" | sed -n 2p)
    trap 'bash scripts/pg-stop.sh "$pgdir"' EXIT
fi

echo "== python: pytest"
status=0
(cd casiscan-py && "$venv/bin/python" -m pytest -q -p no:cacheprovider) || status=$?
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: failing" >&2
    exit 1
elif [ "$status" -ne 0 ]; then
    exit "$status"
fi

echo "== python: stubtest and mypy"
(cd "$target" && "$venv/bin/python" -m mypy.stubtest casiscan._casiscan)
(cd casiscan-py && "$venv/bin/python" -m mypy --cache-dir "$target/py-mypy-cache" \
    python/casiscan tests "$root/examples/python/quickstart.py")

echo "== OpenAPI document checked by an OpenAPI 3.0 validator (openapi-spec-validator)"
"$venv/bin/python" - casiscan-core/src/http/openapi.json <<'PY'
import json, sys
from openapi_spec_validator import validate
validate(json.load(open(sys.argv[1])))
print("openapi.json: valid OpenAPI", json.load(open(sys.argv[1]))["openapi"])
PY

echo "== python: quickstart"
"$venv/bin/python" examples/python/quickstart.py
