#!/usr/bin/env bash
# Every check that needs a GPU, in one script of at most 8 minutes.
#
#   bash bench/device_check.sh            # on a machine with CUDA GPUs, from the repository root
#   bash bench/device_check.sh --smoke    # anywhere: the same steps on the CPU at toy sizes (checks the script, not the GPU)
#
# Steps, each under its own time limit and all under DEVICE_CHECK_BUDGET seconds (default 480):
#   1. image throughput: dcgan-digits, gankit vs the plain d2l loop, fp32 / bf16+channels_last / fp16 (bench/image_speed.py)
#   2. the vectorized sweep at 1024 members vs sequential runs (bench/sweep_speed.py)
#   3. a DDP run over NCCL on every GPU present (torchrun … gankit train digits-tiny --json)
#   4. the PacGAN-protocol rows (gankit bench toy pacgan-ring) for as many epochs as the time left allows
# Self-checking: each step must exit 0 and print its figure line; a step that cannot start in the time
# left is SKIPPED. The last lines are one verdict per step; the exit status is the number of steps that
# failed, timed out or were skipped (0: every figure was measured).
# The whole output is also written to bench/results/device_check-<UTC time>.log: paste it into
# bench/results/speed.md under the date and device that its header prints.
set -u
cd "$(dirname "$0")/.."
SMOKE=0
[ "${1:-}" = "--smoke" ] && SMOKE=1
BUDGET=${DEVICE_CHECK_BUDGET:-480}
PY=${PYTHON:-python}
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
STARTED=$(date +%s)
WORK=$(mktemp -d)
mkdir -p bench/results
LOG="bench/results/device_check-$(date -u +%Y%m%dT%H%M%SZ).log"
VERDICTS=()
FAILED=0
trap 'rm -rf "$WORK"' EXIT
exec > >(tee "$LOG") 2>&1

left() { echo $((BUDGET - ($(date +%s) - STARTED))); }

# step NAME LIMIT_S EXPECT_REGEX COMMAND...: run COMMAND under min(LIMIT, time left); it must exit 0 and print EXPECT.
step() {
    local name=$1 limit=$2 expect=$3
    shift 3
    local remaining
    remaining=$(left)
    if [ "$remaining" -lt 25 ]; then
        VERDICTS+=("SKIPPED  $name (only ${remaining}s of the budget left)"); FAILED=$((FAILED + 1))
        return
    fi
    [ "$limit" -gt $((remaining - 5)) ] && limit=$((remaining - 5))
    echo
    echo "=== $name (limit ${limit}s): $*"
    local began=$(date +%s) out="$WORK/step.out" rc
    timeout --kill-after=10 "$limit" "$@" >"$out" 2>&1
    rc=$?
    cat "$out"
    local took=$(( $(date +%s) - began ))
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        VERDICTS+=("TIMEOUT  $name after ${took}s"); FAILED=$((FAILED + 1))
    elif [ "$rc" -ne 0 ]; then
        VERDICTS+=("FAILED   $name: exit $rc after ${took}s"); FAILED=$((FAILED + 1))
    elif ! grep -Eq "$expect" "$out"; then
        VERDICTS+=("FAILED   $name: exit 0 but no line matching /$expect/"); FAILED=$((FAILED + 1))
    else
        VERDICTS+=("ok       $name (${took}s): $(grep -E "$expect" "$out" | tail -1 | cut -c1-160)")
    fi
}

echo "# device check, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
"$PY" - <<'PY' || { echo "FAILED: python/torch do not start"; exit 99; }
import platform, torch
print(f"python {platform.python_version()}, torch {torch.__version__}, CUDA {torch.version.cuda}")
for i in range(torch.cuda.device_count()):
    p = torch.cuda.get_device_properties(i)
    print(f"GPU {i}: {p.name}, {p.total_memory / 2**30:.0f} GiB")
PY
GPUS=$("$PY" -c "import torch; print(torch.cuda.device_count())")
if [ "$SMOKE" -eq 1 ]; then
    DEVICE=cpu; RANKS=2; EPOCHS=1; MEMBERS=16; SEQ=2; PRECISIONS="fp32"; IMAGES=digits-tiny; echo "smoke mode: CPU, toy sizes (checks the script only)"
elif [ "$GPUS" -lt 1 ]; then
    echo "FAILED: no CUDA device visible (torch.cuda.device_count() = 0); use --smoke to check the script on a CPU"
    exit 98
else
    DEVICE=cuda; RANKS=$GPUS; EPOCHS=2; MEMBERS=1024; SEQ=4; PRECISIONS="fp32 bf16 fp16"; IMAGES=dcgan-digits
fi

for precision in $PRECISIONS; do
    extra=()
    [ "$precision" != fp32 ] && extra=(--channels-last)
    step "image throughput $precision${extra:+ channels_last}" 75 "speed ratio gankit / plain" \
        "$PY" bench/image_speed.py --preset "$IMAGES" --epochs "$EPOCHS" --device "$DEVICE" --precision "$precision" "${extra[@]}"
done

step "vectorized sweep, $MEMBERS members" 100 "throughput ratio sweep / sequential" \
    "$PY" bench/sweep_speed.py --members "$MEMBERS" --sequential-members "$SEQ" --epochs 4 --device "$DEVICE"

step "DDP over $([ "$DEVICE" = cuda ] && echo NCCL || echo gloo), $RANKS rank(s)" 100 '"verdict"' \
    "$PY" -m torch.distributed.run --standalone --nproc-per-node "$RANKS" -m gankit train digits-tiny \
    --set train.epochs=2 --set "train.device=\"$DEVICE\"" --out "$WORK/ddp" --json

# PacGAN rows: the protocol is 400 epochs of 1,000 steps; train as many epochs as the time left allows
# (about 4 s per epoch-member on one GPU, measured nowhere yet: the first run of this script calibrates it).
remaining=$(left)
pac_epochs=$(( (remaining - 60) / 8 ))
[ "$pac_epochs" -gt 40 ] && pac_epochs=40
[ "$SMOKE" -eq 1 ] && pac_epochs=1
if [ "$pac_epochs" -ge 1 ]; then
    step "PacGAN rows, pacgan-ring × 2 seeds, $pac_epochs of 400 epochs" $((remaining - 10)) "published" \
        "$PY" -m gankit bench toy pacgan-ring --seeds 2 --set train.epochs="$pac_epochs" --set "train.device=\"$DEVICE\"" \
        --set data.n=$([ "$SMOKE" -eq 1 ] && echo 2000 || echo 100000) --out "$WORK/pacgan"
else
    VERDICTS+=("SKIPPED  PacGAN rows (only ${remaining}s left)"); FAILED=$((FAILED + 1))
fi

echo
echo "=== verdicts ($(( $(date +%s) - STARTED ))s of ${BUDGET}s; log: $LOG)"
printf '%s\n' "${VERDICTS[@]}"
exit "$FAILED"
