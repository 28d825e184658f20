#!/usr/bin/env bash
# gankit as a new user meets it: a bare install (no extras) into a fresh virtual environment, then the
# built wheel, each run from a folder outside the clone. Fails on an undeclared dependency or a file that
# the package needs but does not ship (presets, recipes, the digit classifier's weights, the view's pages).
#
#   scripts/check_install.sh            # uses a temporary folder, removed at the end
#
# Torch comes from this machine's CPU build (pip would otherwise choose a CUDA build of several GB).
set -euo pipefail
clone="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python -m venv "$work/venv"
py="$work/venv/bin/python"
gankit="$work/venv/bin/gankit"
quiet=(--quiet --disable-pip-version-check)

step() { printf '\n== %s\n' "$*"; }

step "fresh venv: torch, then a bare 'pip install .' (no extras)"
"$py" -m pip install "${quiet[@]}" "torch==2.13.0"
(cd "$clone" && "$py" -m pip install "${quiet[@]}" .)

smoke() {
    mkdir -p "$work/user" && cd "$work/user"
    step "gankit --version matches the package metadata"
    shown="$("$gankit" --version)"
    expected="$("$py" -c 'import importlib.metadata as m; print(m.version("gankit"))')"
    echo "$shown"
    [[ "$shown" == *"$expected"* ]] || { echo "gankit --version printed '$shown', metadata says $expected"; exit 1; }
    step "gankit presets"
    "$gankit" presets
    step "the README's main command, cheap: gankit train d2l-gaussian"
    "$gankit" train d2l-gaussian --set train.epochs=1 --set eval.n=200 --set eval.permutations=19 --out runs/d2l
    test -f runs/d2l/report.html && test -f runs/d2l/plots/samples.png
    step "a recipe-based preset, one epoch: gankit train ring"
    "$gankit" train ring --set train.epochs=1 --set data.n=2000 --set eval.n=200 --set eval.permutations=19 \
        --out runs/ring -q
    step "gankit play --help"
    "$gankit" play --help >/dev/null
    step "the library: import gankit; gankit.GAN('tabular'); shipped files found"
    "$py" - <<'PY'
from importlib import resources

import gankit

print(repr(gankit.GAN("tabular").config.data.source))
package = resources.files("gankit")
for folder, suffix in (("presets", ".toml"), ("presets/recipes", ".toml"), ("weights", ".safetensors"), ("view/static", ".html")):
    found = [entry.name for entry in package.joinpath(folder).iterdir() if entry.name.endswith(suffix)]
    assert found, f"the installed package has no {suffix} file in {folder}/"
    print(f"{folder}/: {len(found)} {suffix} file(s)")
PY
    cd "$clone"
}

smoke

step "the built wheel, installed over it"
"$py" -m pip wheel "${quiet[@]}" --no-deps --wheel-dir "$work/dist" "$clone"
"$py" -m pip install "${quiet[@]}" --force-reinstall --no-deps "$work/dist"/gankit-*.whl
rm -rf "$work/user"
smoke

step "bare install: all checks passed"
