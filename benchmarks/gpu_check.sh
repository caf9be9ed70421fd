#!/usr/bin/env bash
# One prepared GPU check (issue #20, item 4); finishes in at most 8 minutes and writes one JSON file.
#
#   bash benchmarks/gpu_check.sh [OUT.json] [BANDAI_QA_RECORDS_DIR]
#
# 1. LoRA training throughput of a randomly initialised Qwen2.5-7B-shaped model at the original work's settings:
#    bf16, gradient checkpointing, 4,096 tokens per example, effective batch 8 (2 x 4 accumulation), LoRA r 16
#    on all linear layers (benchmarks/llm_throughput.py): tokens/s, s/step, peak memory.
# 2. Option-scoring inference throughput with and without packing (benchmarks/llm_inference.py), on the 7B shape
#    and on the real SmolLM2-135M.
# 3. bandai-qa with SmolLM2-135M on the GPU: `smd train` (5 epochs, shared-prefix packs, lr 5e-4) and
#    `smd eval --scoring loglik` and `generate` on the test split, from records made by `smd bandai-qa DIR --top-k 1
#    --delta 20 --delta-m 0.2 --delta-heading 30` (pass DIR; without it this part is recorded as skipped).
#
# GPU_CHECK_TINY=1 runs every part with tiny shapes on any machine (the CPU test of this script,
# tests/test_gpu_check.py); GPU_CHECK_MODEL overrides the model of part 3 (default: the offline SmolLM2).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-gpu_check.json}
REC=${2:-}
PY=${PYTHON:-python}
SMD=${SMD:-smd}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HF_HUB_OFFLINE=1
if [ "${GPU_CHECK_TINY:-0}" = 1 ]; then
  train_args=(--shape tiny --seq-len 256 --batch-size 2 --grad-accum 4 --steps 2 --warmup 1)
  infer_big=(--shape tiny --motions 2)
  infer_real=(--shape tiny --motions 2 --prompt-tokens 64)
  bqa_train=(--max-steps 2 --train-limit 16 --val-limit 8 --max-length 512)
  bqa_eval=(--limit 8 --max-length 512)
else
  train_args=(--shape qwen2.5-7b --seq-len 4096 --batch-size 2 --grad-accum 4 --steps 3 --warmup 1)
  infer_big=(--shape qwen2.5-7b --motions 8)
  infer_real=(--model "${GPU_CHECK_MODEL:-default}" --motions 32)
  bqa_train=(--epochs 5 --val-limit 64 --max-length 1024 --batch-size 8)
  bqa_eval=(--max-length 1024 --batch-size 16)
fi
model_args=()
[ -n "${GPU_CHECK_MODEL:-}" ] && model_args=(--model "$GPU_CHECK_MODEL")

step() {  # step NAME SECONDS COMMAND...: run with a time limit, keep its exit status and last lines
  local name=$1 limit=$2; shift 2
  local t0=$SECONDS
  timeout "$limit" "$@" >"$work/$name.log" 2>&1
  local rc=$?
  echo "{\"step\": \"$name\", \"rc\": $rc, \"seconds\": $((SECONDS - t0))}" >>"$work/steps.jsonl"
  echo "== $name: exit $rc in $((SECONDS - t0)) s" >&2
}

step train_throughput 170 "$PY" "$here/llm_throughput.py" "${train_args[@]}" --out "$work/train.jsonl"
step inference_7b 80 "$PY" "$here/llm_inference.py" "${infer_big[@]}" --out "$work/inference.jsonl"
step inference_real 40 "$PY" "$here/llm_inference.py" "${infer_real[@]}" --out "$work/inference.jsonl"
if [ -n "$REC" ] && [ -f "$REC/records_train.jsonl" ]; then
  step bandai_train 120 "$SMD" train --task qa --train "$REC/records_train.jsonl" --val "$REC/records_val.jsonl" \
    --out "$work/bqa" --lr 5e-4 --effective-batch 8 --pack-questions "${bqa_train[@]}" "${model_args[@]}"
  for scoring in loglik generate; do
    step "bandai_eval_$scoring" 45 "$SMD" eval --task qa --adapter "$work/bqa/adapter" --records "$REC/records_test.jsonl" \
      --train-records "$REC/records_train.jsonl" --out "$work/eval_$scoring" --scoring "$scoring" \
      --max-new-tokens 12 "${bqa_eval[@]}" "${model_args[@]}"
  done
fi

"$PY" - "$work" "$OUT" "$REC" <<'PYEOF'
import json, sys, platform, datetime
from pathlib import Path
work, out, rec = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
def lines(name):
    p = work / name
    return [json.loads(l) for l in p.read_text().splitlines() if l.strip()] if p.is_file() else []
def tail(name, n=15):
    p = work / f"{name}.log"
    return p.read_text(errors="replace").splitlines()[-n:] if p.is_file() else []
steps = lines("steps.jsonl")
result = {
    "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "host": platform.node(), "steps": steps,
    "train_throughput": lines("train.jsonl"), "inference": lines("inference.jsonl"),
    "bandai_qa": None if not rec else {
        "records": rec,
        "train_summary": json.loads((work / "bqa/train_summary.json").read_text()) if (work / "bqa/train_summary.json").is_file() else None,
        **{f"eval_{s}": json.loads((work / f"eval_{s}/metrics.json").read_text()) if (work / f"eval_{s}/metrics.json").is_file() else None
           for s in ("loglik", "generate")},
    },
    "failed_steps": {s["step"]: tail(s["step"]) for s in steps if s["rc"] != 0},
}
out.write_text(json.dumps(result, indent=1, sort_keys=True, default=str))
print(f"wrote {out}: " + ", ".join(f"{s['step']} rc {s['rc']} ({s['seconds']} s)" for s in steps))
PYEOF
