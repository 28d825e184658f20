"""``report.html``: one self-contained page per run, sweep or comparison that opens offline.

Everything is inside the file: figures as ``data:`` URIs, the style sheet inline,
no script and no link to anything outside. A run's page holds the verdict and
every metric with what it means, the figures, the loss curves, the config and the
timings; a sweep's page its summary, members and overlaid curves; a comparison's
page several runs side by side. Built from the files a run leaves (``eval.json``,
``metrics.jsonl``, ``config.toml``, ``plots/``), never from a model.
"""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from gankit.atomic_write import atomic_write
from gankit.report.figure_text import figure_text
from gankit.report.plots import figure_title
from gankit.run_files import read_eval, read_metrics, read_text, read_toml
from gankit.report.roles import DISCRIMINATOR, GENERATOR, equilibrium
from gankit.report.sweep_colours import PALETTE, grid_point, point_colours

matplotlib.use("Agg")

REPORT = "report.html"
FIGURES = [  # (file under plots/, caption), in page order
    ("losses.png", "Both losses per epoch"),
    ("samples.png", "Generated samples beside the real data"),
    ("decision.png", "D's decision surface with real and generated points at the end of training"),
    ("training.png", "D's surface and the points at epochs spread over training"),
    ("training.gif", "The fixed-noise image grid over training"),
    ("columns.png", "Per-column shape scores (1 = same distribution)"),
    ("pairs.png", "Pair-trend scores of every column pair (1 = same trend)"),
]
MEANINGS = {
    "mmd": "Maximum mean discrepancy with a Gaussian kernel (bandwidth: the median distance); the p-value comes from "
           "permutations. A small p-value says the two samples come from different distributions.",
    "energy": "Energy distance between the samples, with a permutation p-value: small p means told apart.",
    "c2st_knn": "Classifier two-sample test: a k-nearest-neighbour classifier learns real vs generated on half the rows; "
                "its accuracy on the other half (0.5 = chance) gives an exact binomial p-value.",
    "c2st_logistic": "Classifier two-sample test with logistic regression: a linear boundary that tells the samples "
                     "apart gives accuracy above 0.5 and a small p-value.",
    "mean_error_vs_data": "Distance between the generated and the real means (0 is best).",
    "cov_error_vs_data": "Frobenius distance between the generated and the real covariance matrices (0 is best).",
    "mean_error_vs_truth": "Distance between the generated mean and the true distribution's mean (0 is best).",
    "cov_error_vs_truth": "Frobenius distance between the generated and the true covariance (0 is best).",
    "modes_captured": "How many modes of the known mixture receive at least one high-quality sample (PacGAN).",
    "high_quality_pct": "Percent of samples within 3σ of some mode (PacGAN's high-quality samples).",
    "reverse_kl": "KL divergence from the generated mode histogram to the true mode weights (0 is best).",
    "spread_ratio": "Spread of the high-quality samples around their modes relative to the true spread (1 is best).",
    "frechet_digit_distance": "Fréchet distance between features of real and generated images (0 is best).",
    "kid_digit": "Kernel inception-style distance on the same features (0 is best; unbiased).",
    "classifier_score": "Inception-style score of a digit classifier on generated images (higher: clearer, more varied).",
    "shape_precision": "Share of generated images that fall on the real data's feature manifold (higher is better).",
    "shape_recall": "Share of real images covered by the generated images' feature manifold (higher is better).",
    "column_shapes": "Mean per-column similarity of the real and synthetic marginals (1 = same).",
    "column_pair_trends": "Mean similarity of every column pair's correlation or contingency (1 = same).",
    "quality_score": "The mean of column shapes and pair trends (SDMetrics' QualityReport, 1 = same).",
    "logistic_detection": "1 − how well logistic regression tells synthetic rows from real ones (1 = cannot).",
}
STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:64rem;padding:0 1rem;color:#222}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.verdict{font-weight:600;padding:.5rem .8rem;border-radius:.4rem}
.yes{background:#fde0dd;color:#a50026}.no{background:#d9f0d3;color:#1b7837}
table{border-collapse:collapse;font-size:.9rem}td,th{border-bottom:1px solid #eee;padding:.25rem .6rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}.rejects{color:#a50026;font-weight:600}.passes{color:#1b7837}
figure{margin:1rem 0}figure img{max-width:100%;border:1px solid #ddd}figcaption{color:#555;font-size:.85rem}
pre{background:#f6f6f6;padding:.8rem;overflow:auto;font-size:.85rem}.muted{color:#666}
"""


# ------------------------------------------------------------------ pages



def write_run_report(run_dir: Path) -> Path:
    """Write ``run_dir/report.html`` from the run's files; return its path."""
    return _write(run_dir / REPORT, run_page(run_dir))


def run_page(run_dir: Path) -> str:
    """The page of one run (see the module docstring)."""
    evaluation = _json(run_dir / "eval.json")
    history = _jsonl(run_dir / "metrics.jsonl")
    config_text = _config_text(run_dir)
    objective = _config_value(config_text, "objective") or "?"
    body = [f"<h1>{_e(run_dir.name)}</h1>",
            f"<p class=muted>objective: {_e(objective)} · {len(history)} epoch(s) · {_e(str(run_dir))}</p>",
            _verdict_block(evaluation), _privacy_block(evaluation),
            "<h2>Figures</h2>", _figures(run_dir / "plots"),
            "<h2>Timings</h2>", _timings(history),
            "<h2>Config</h2>", _config_block(config_text)]
    return _page(f"gankit report · {run_dir.name}", body)


def write_sweep_report(sweep_dir: Path) -> Path:
    """Write ``sweep_dir/report.html``: the summary table, every member and their curves overlaid."""
    members = sorted(path for path in (sweep_dir / "members").iterdir() if path.is_dir())
    histories = {member.name: _jsonl(member / "metrics.jsonl") for member in members}
    colours = point_colours(list(histories))  # one per grid point, as the view's sweep page colours them
    rows = [[_e(member.name), _swatch(colours[member.name]) + _e(grid_point(member.name)),
             _e(_verdict_word(_json(member / "eval.json")))] for member in members]
    config_text = _config_text(members[0]) if members else ""
    objective = _config_value(config_text, "objective") or "?"
    body = [f"<h1>{_e(sweep_dir.name)}</h1>",
            f"<p class=muted>sweep of {len(members)} member(s) · objective: {_e(objective)}</p>",
            "<h2>Summary over members</h2>", _markdown_table(_text(sweep_dir / "summary.md")),
            "<h2>Loss curves</h2>", _img(_loss_figure(histories, objective, sweep_dir.name, colours, _point_legend(histories)),
                                         "members' losses, one colour per grid point"),
            "<h2>Members</h2>", _table(["member", "grid point", "verdict"], rows, escape=False),
            "<h2>Config of the first member</h2>", _config_block(config_text)]
    return _write(sweep_dir / REPORT, _page(f"gankit report · {sweep_dir.name}", body))


def compare_rows(run_dirs: list[Path]) -> tuple[list[str], list[list[str]]]:
    """The comparison table: one row per run (objective, epochs, final losses, each p-value, verdict)."""
    evaluations = {run: _json(run / "eval.json") or {} for run in run_dirs}
    tests = list(dict.fromkeys(name for e in evaluations.values() for name, r in e.get("results", {}).items()
                               if r.get("p_value") is not None))
    header = ["run", "objective", "epochs", "d_loss", "g_loss", *[f"{name} p" for name in tests], "verdict"]
    rows = []
    for run in run_dirs:
        history, evaluation = _jsonl(run / "metrics.jsonl"), evaluations[run]
        last = history[-1] if history else {}
        results = evaluation.get("results", {})
        rows.append([run.name, _config_value(_config_text(run), "objective") or "?", str(len(history)),
                     _number(last.get("d_loss")), _number(last.get("g_loss")),
                     *[_number(results.get(name, {}).get("p_value")) for name in tests], _verdict_word(evaluation)])
    return header, rows


def write_comparison(run_dirs: list[Path], path: Path) -> Path:
    """One page with several runs side by side: the table, their loss curves overlaid, each run's figures."""
    header, rows = compare_rows(run_dirs)
    histories = {run.name: _jsonl(run / "metrics.jsonl") for run in run_dirs}
    body = [f"<h1>Comparison of {len(run_dirs)} runs</h1>", _table(header, rows),
            "<h2>Loss curves</h2>", _img(_loss_figure(histories, None, "comparison"), "losses of every run")]
    for run in run_dirs:
        body += [f"<h2>{_e(run.name)}</h2>", _verdict_block(_json(run / "eval.json")), _figures(run / "plots")]
    return _write(path, _page("gankit comparison", body))


# ------------------------------------------------------------------ blocks


PRIVACY_FIELDS = (("ε spent", "epsilon_spent"), ("ε budget", "epsilon_budget"), ("δ", "delta"),
                  ("noise multiplier σ", "noise_multiplier"), ("clipping norm C", "max_grad_norm"),
                  ("sampling rate q", "sample_rate"), ("steps", "steps"), ("accountant", "accountant"),
                  ("moments' release, noise multiplier", "moment_release_noise"))


def _privacy_block(evaluation: dict[str, Any] | None) -> str:
    """A differentially private run's guarantee (eval.json's ``differential_privacy``), or nothing."""
    ledger = (evaluation or {}).get("differential_privacy")
    if not isinstance(ledger, dict):
        return ""
    rows = [[label, _ledger_text(ledger.get(key))] for label, key in PRIVACY_FIELDS]
    return "<h2>Differential privacy</h2>" + _table(["", "value"], rows)


def _ledger_text(value: Any) -> str:
    """A privacy figure as the page shows it: numbers to 4 significant digits (ε 2.99, not 2.98988496685514),
    names (the accountant) as they are."""
    return value if isinstance(value, str) else figure_text(value)


def _verdict_block(evaluation: dict[str, Any] | None) -> str:
    if not evaluation:
        return "<p class=muted>No evaluation yet (eval.json is missing: run <code>gankit eval RUN</code>).</p>"
    from gankit.metrics.result import test_outcome  # noqa: PLC0415 (the metrics package loads torch)

    alpha = evaluation.get("alpha", 0.05)
    css = "yes" if evaluation.get("distinguishable") else "no"
    rows = []
    for name, result in evaluation.get("results", {}).items():
        p = result.get("p_value")
        outcome = {"rejects": f"<span class=rejects>rejects (p &lt; {alpha})</span>",
                   "passes": "<span class=passes>passes</span>"}.get(test_outcome(p, alpha), test_outcome(p, alpha))
        rows.append([_e(name), _number(result.get("statistic")), _number(p), outcome,
                     _e(MEANINGS.get(name, MEANINGS.get(name.removeprefix("detection_"), "")))])
    table = _table(["metric", "statistic", "p-value", f"at α = {alpha}", "what it means"], rows, escape=False)
    return (f"<p class='verdict {css}'>{_e(evaluation.get('verdict', ''))}</p>"
            f"<p class=muted>{evaluation.get('n_fake')} generated vs {evaluation.get('n_real')} real rows, "
            f"seed {evaluation.get('seed')}. A test rejects when its p-value is below α; the verdict corrects for "
            f"testing several times (Holm).</p>{table}")


def _figures(plots: Path) -> str:
    parts = []
    for name, caption in FIGURES:
        path = plots / name
        if path.is_file():
            mime = "image/gif" if path.suffix == ".gif" else "image/png"
            parts.append(f"<figure><img alt='{_e(name)}' src='data:{mime};base64,{_b64(path.read_bytes())}'>"
                         f"<figcaption>{_e(caption)} ({_e(name)})</figcaption></figure>")
    return "".join(parts) or "<p class=muted>No figures in this directory.</p>"


def _timings(history: list[dict[str, Any]]) -> str:
    if not history:
        return "<p class=muted>No epochs logged.</p>"
    rates = [row["examples_per_sec"] for row in history if "examples_per_sec" in row]
    rows = [["epochs", str(len(history))], ["training loop time", f"{history[-1].get('elapsed', 0):.2f} s"],
            ["mean examples / s", f"{sum(rates) / len(rates):,.0f}" if rates else "?"]]
    return _table(["", ""], rows)


def _loss_figure(histories: dict[str, list[dict[str, Any]]], objective: str | None, title: str,
                 colours: dict[str, str] | None = None, legend: dict[str, str | None] | None = None) -> bytes:
    """Several runs' losses per epoch overlaid, G solid, D dotted (a run's own figure is its plots/losses.png).

    ``colours``: run → colour (default: one per run, :data:`PALETTE` in order); ``legend``: run → its legend
    entry, None for none (default: its name)."""
    fig = Figure(figsize=(8, 4))
    ax = fig.add_subplot()
    for index, (name, history) in enumerate(histories.items()):
        epochs = [row["epoch"] for row in history]
        colour = colours[name] if colours else PALETTE[index % len(PALETTE)]
        label = legend.get(name) if legend else name
        ax.plot(epochs, [row["d_loss"] for row in history], color=colour, linestyle=":")
        ax.plot(epochs, [row["g_loss"] for row in history], color=colour, label=label or "_nolegend_")
    for role, value in (equilibrium(objective) if objective else {}).items():
        colour = DISCRIMINATOR if role == "d_loss" else GENERATOR
        ax.axhline(value, color=colour, linestyle="--", linewidth=0.8, alpha=0.6,
                   label=f"{'D' if role == 'd_loss' else 'G'} at equilibrium ({value:.3f})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(figure_title("losses (G solid, D dotted)", title, objective), fontsize=10)
    if any(histories.values()):
        ax.legend(fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def _point_legend(histories: dict[str, Any]) -> dict[str, str | None]:
    """One legend entry per grid point, on the first of its members."""
    seen: set[str] = set()
    legend: dict[str, str | None] = {}
    for name in histories:
        point = grid_point(name)
        legend[name] = None if point in seen else point
        seen.add(point)
    return legend


def _swatch(colour: str) -> str:
    return f"<span style='color:{colour}'>&#9679;</span> "


def _config_block(text: str) -> str:
    return f"<details><summary>config.toml (the resolved config; <code>gankit train config.toml</code> reruns it)</summary><pre>{_e(text)}</pre></details>"


def _markdown_table(text: str) -> str:
    """A GitHub-style Markdown table (summary.md) as HTML."""
    lines = [line.strip().strip("|") for line in text.splitlines() if line.strip().startswith("|")]
    if len(lines) < 2:
        return "<p class=muted>No summary.</p>"
    cells = [[cell.strip() for cell in line.split("|")] for line in lines]
    return _table(cells[0], cells[2:])


def _table(header: list[str], rows: list[list[str]], escape: bool = True) -> str:
    cell = _e if escape else (lambda text: text)
    head = "".join(f"<th>{cell(text)}</th>" for text in header)
    body = "".join("<tr>" + "".join(f"<td{' class=num' if _is_number(text) else ''}>{cell(text)}</td>"
                                    for text in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _img(png: bytes, alt: str) -> str:
    return f"<figure><img alt='{_e(alt)}' src='data:image/png;base64,{_b64(png)}'></figure>"


def _page(title: str, body: list[str]) -> str:
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{_e(title)}</title>"
            f"<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; img-src data:; "
            f"style-src 'unsafe-inline'\"><style>{STYLE}</style></head><body>{''.join(body)}"
            f"<p class=muted>Written by gankit; this file needs no network.</p></body></html>")


# ------------------------------------------------------------------ small helpers


def _write(path: Path, text: str, overwrite: bool = True) -> Path:
    """Write the page whole (:func:`gankit.atomic_write.atomic_write`)."""
    return atomic_write(path, text, overwrite=overwrite)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _number(value: Any) -> str:
    """A figure as the page shows it: blank when absent, "–" when undefined (NaN, ±inf, not a number)."""
    return figure_text(value)


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"-?[\d.,]+(e-?\d+)?", text or ""))


def _verdict_word(evaluation: dict[str, Any] | None) -> str:
    if not evaluation:
        return "not evaluated"
    return "distinguishable" if evaluation.get("distinguishable") else "indistinguishable"


def _config_value(text: str, key: str) -> str | None:
    match = re.search(rf'^{key}\s*=\s*"([^"]*)"', text, flags=re.M)
    return match.group(1) if match else None


def _json(path: Path) -> dict[str, Any] | None:
    return read_eval(path)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return read_metrics(path)


def _config_text(run_dir: Path) -> str:
    """The run's config.toml as text, after checking it is TOML (a damaged one is one line)."""
    read_toml(run_dir / "config.toml")
    return _text(run_dir / "config.toml")


def _text(path: Path) -> str:
    return read_text(path) or ""
