"""Candidate causes of lower quality on larger, discrete-heavy tables, measured one at a time.

Runs gankit alone on panel tables (bench/panel_tables.py) with the protocol and scores of
bench/tabular_panel.py, under one *variant* of the code, patched in this process only:

* ``none``: gankit as it is;
* ``old-kinds``: the former kind inference (numbers with few values stay integer/continuous, no
  decimals kept): the few-values rule switched off;
* ``few-values=N``: numbers with at most N distinct values are categorical (default 20);
* ``logit-ce``: the conditional vector's cross-entropy taken on G's logits for the conditioned column
  (log-softmax of the raw head, CTGAN's ``_cond_loss``) instead of on the Gumbel-softmax rows G hands to D.

Settings such as the VGM mode count go through ``--gankit-set`` (e.g. ``tabular.max_modes=5``).

    nice -n 19 python bench/tabular_ablations.py --variant logit-ce --epochs 30 --tables fair doctorvisits
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from panel_tables import PANEL  # noqa: E402
from tabular_panel import mean, measure, split  # noqa: E402


def use_few_values(limit: int) -> None:
    """Numbers with at most ``limit`` distinct values become categorical (0: never; the decimals stay)."""
    from gankit.data import column_kinds

    column_kinds.FEW_VALUES = limit


def use_old_kinds() -> None:
    """No few-values rule and no decimals: the inference gankit had before the few-values rule."""
    from gankit.data import column_kinds

    use_few_values(0)
    column_kinds.MAX_DECIMALS = -1


def use_logit_cross_entropy() -> None:
    """Conditions.loss on G's logits (CTGAN's form): G's forward keeps its raw head output for the loss."""
    import torch.nn.functional as F

    from gankit.data.condition import Conditions
    from gankit.nets.table_nets import TabularGenerator

    original_forward = TabularGenerator.forward
    kept: dict[str, torch.Tensor] = {}

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        handle = self.out.register_forward_hook(lambda module, inputs, output: kept.__setitem__("raw", output.float()))
        try:
            return original_forward(self, z)
        finally:
            handle.remove()

    blocks: dict[int, tuple[int, int]] = {}  # condition position → its column's (start, width)

    def loss(self: Conditions, fake: torch.Tensor) -> torch.Tensor:
        raw, code = kept["raw"], fake[:, -self.count :]
        asked = code.argmax(dim=1)
        positions = torch.tensor(self.positions, device=raw.device)[asked]
        total = raw.new_zeros(())
        for start, width in set(blocks.values()):
            rows = (positions >= start) & (positions < start + width)
            if rows.any():
                log_p = F.log_softmax(raw[rows, start : start + width], dim=1)
                total = total - log_p.gather(1, (positions[rows] - start)[:, None]).sum()
        return total / len(fake)

    original_of = Conditions.of.__func__

    def of(cls, discrete_blocks):
        for block in discrete_blocks:
            for slot in range(block.width):
                blocks[block.start + slot] = (block.start, block.width)
        return original_of(cls, discrete_blocks)

    TabularGenerator.forward = forward
    Conditions.loss = loss
    Conditions.of = classmethod(of)


def apply(variant: str) -> None:
    if variant == "old-kinds":
        use_old_kinds()
    elif variant.startswith("few-values="):
        use_few_values(int(variant.split("=", 1)[1]))
    elif variant == "logit-ce":
        use_logit_cross_entropy()
    elif variant != "none":
        raise SystemExit(f"unknown variant {variant!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", default="none")
    parser.add_argument("--tables", nargs="+", default=list(PANEL), choices=list(PANEL))
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--gankit-set", nargs="*", default=[])
    options = parser.parse_args()
    torch.set_num_threads(1)
    apply(options.variant)
    label = " ".join([options.variant, *options.gankit_set])
    rows = []
    for name in options.tables:
        table = PANEL[name]
        train, holdout = split(table.frame())
        runs = [measure("gankit", table, train, holdout, options.epochs, seed, options.gankit_set)
                for seed in range(options.seeds)]
        rows.append((name, runs))
    print(f"\nvariant {label}, {options.epochs} epochs, seeds 0-{options.seeds - 1}")
    print("| table | fit CPU s | QualityReport | shapes | trends | LogisticDetection |")
    print("|---|---|---|---|---|---|")
    for name, runs in rows:
        print(f"| {name} | {mean(runs, 'fit_cpu_s'):.1f} | {mean(runs, 'quality'):.4f} | {mean(runs, 'shapes'):.3f} | "
              f"{mean(runs, 'trends'):.3f} | {mean(runs, 'detection'):.3f} |")
    print(f"mean QualityReport over {len(rows)} tables: {statistics.fmean(mean(runs, 'quality') for _, runs in rows):.4f}")


if __name__ == "__main__":
    main()
