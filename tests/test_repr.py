"""How a GAN and an evaluation report show themselves: a readable repr, and HTML tables in a notebook."""

from __future__ import annotations

import gankit
from gankit.metrics.evaluate import EvalReport
from gankit.metrics.html_table import html_table
from gankit.metrics.result import TestResult


def test_html_table_escapes_every_cell_and_formats_floats():
    html = html_table(["name", "value"], [("<b>", 0.123456), ("none", None)], caption="a & b")
    assert html == ("<table><caption style='text-align:left'>a &amp; b</caption><thead><tr><th>name</th><th>value</th>"
                    "</tr></thead><tbody><tr><td>&lt;b&gt;</td><td>0.1235</td></tr><tr><td>none</td><td></td></tr>"
                    "</tbody></table>")


def test_an_evaluation_report_renders_its_verdict_and_every_result():
    report = EvalReport([TestResult("mmd", 0.01, 0.001, 100, 100, 0), TestResult("energy", 0.02, 0.5, 100, 100, 0),
                         TestResult("mean_error_vs_data", 0.1, None, 100, 100, 0)], alpha=0.05, n_real=100, n_fake=100, seed=3)
    html = report._repr_html_()
    assert html.startswith("<table><caption style='text-align:left'>DISTINGUISHABLE")
    assert "100 generated vs 100 real rows (seed 3)" in html
    assert "<tr><td>mmd</td><td>0.01</td><td>0.001</td><td>rejects</td></tr>" in html
    assert "<tr><td>energy</td><td>0.02</td><td>0.5</td><td>passes</td></tr>" in html
    assert "<tr><td>mean_error_vs_data</td><td>0.1</td><td></td><td></td></tr>" in html


def test_a_gan_says_what_it_is_and_how_far_it_trained():
    gan = gankit.GAN("d2l-gaussian", overrides=["train.epochs=2"])
    assert repr(gan) == "GAN('d2l-gaussian', data='gaussian', G=[], D=[5, 3], objective='non-saturating', trained=not yet)"
    gan.fit(verbose=False)
    last = gan.history[-1]
    assert repr(gan).endswith(f"trained=2/2 epochs, d_loss={last.d_loss:.3f}, g_loss={last.g_loss:.3f})")
    html = gan._repr_html_()
    assert "<tr><td>preset</td><td>d2l-gaussian</td></tr>" in html and "<tr><td>trained</td><td>2/2 epochs</td></tr>" in html
