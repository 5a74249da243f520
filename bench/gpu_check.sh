#!/usr/bin/env bash
# The GPU check, in one go, on a machine with an NVIDIA GPU, nvcc and CuPy (no network needed):
# build i2dl with its CUDA module, run the whole test suite (the cuda parametrisations included),
# `i2dl check`, `i2dl bench --device cuda` and `i2dl train --device cuda`.
#
#   bench/gpu_check.sh [WHEEL_DIR] [RESULT_DIR]
#
# WHEEL_DIR holds wheels the machine lacks (scipy-openblas32); RESULT_DIR gets the logs and the
# bench table as JSON. Runs from the repository root; installs into a private --target folder.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WHEELS=${1:-}
RESULTS=${2:-$ROOT/gpu-results}
SITE=$(mktemp -d)
mkdir -p "$RESULTS"
export PYTHONUNBUFFERED=1 PYTHONPATH="$SITE" CMAKE_BUILD_PARALLEL_LEVEL=$(nproc)
PY=${PYTHON:-python3}
step() { echo; echo "== $* ($(date +%T)) =="; }

step "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
nvcc --version | tail -2
"$PY" -c "import cupy, numpy, pybind11; print('cupy', cupy.__version__, 'numpy', numpy.__version__, 'pybind11', pybind11.__version__)"
g++ --version | head -1

if [ -n "$WHEELS" ]; then
  "$PY" -m pip install -q --no-index --no-deps --no-compile --target "$SITE" "$WHEELS"/*.whl || exit 1
fi

step "build (I2DL_CUDA=ON)"
I2DL_CUDA=ON "$PY" -m pip install --no-index --no-deps --no-build-isolation --target "$SITE" \
  --config-settings=build-dir=/tmp/i2dl-build-gpu "$ROOT" >"$RESULTS/build.log" 2>&1
rc=$?
tail -5 "$RESULTS/build.log"
[ $rc -eq 0 ] || { grep -n -B2 -A8 "error" "$RESULTS/build.log" | head -60; exit 1; }

# run outside the source tree so that `import i2dl` finds the installed package with _C and _C_cuda
cp -r "$ROOT/tests" "$SITE/../i2dl-tests"
cd "$SITE/.."
step "i2dl info"
"$PY" -m i2dl.cli info

step "tests"
PARALLEL=""  # pytest-xdist where present: faster, and a crash costs one worker instead of the run
"$PY" -c "import xdist" 2>/dev/null && PARALLEL="-n 8"
"$PY" -m pytest -q $PARALLEL -rs -p no:cacheprovider --tb=short i2dl-tests >"$RESULTS/pytest.log" 2>&1
echo "pytest exit $?"
grep -E "passed|failed|error" "$RESULTS/pytest.log" | tail -3
grep -E "^(FAILED|ERROR)|crashed" "$RESULTS/pytest.log" | head -40
grep -E "^SKIPPED" "$RESULTS/pytest.log" | head -5

step "i2dl check"
"$PY" -m i2dl.cli check 2>&1 | tee "$RESULTS/check.log" | tail -25

step "i2dl bench --device cuda"
"$PY" -m i2dl.cli bench --device cuda --json "$RESULTS/bench_gpu.json" 2>&1 | tee "$RESULTS/bench_gpu.log"

step "i2dl train --device cuda"
"$PY" -m i2dl.cli train --device cuda --out /tmp/i2dl-run 2>&1 | tee "$RESULTS/train_gpu.log" | tail -4
step "done"
