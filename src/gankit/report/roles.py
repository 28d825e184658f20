"""One colour per role, shared by every figure, the HTML report and the live view; and each objective's equilibrium.

Green is real data (and D's "judged real"), purple is the generator (its
samples, its loss and D's "judged generated"), dark grey is the discriminator.
"""

from __future__ import annotations

import math

REAL = "#1b7837"
GENERATED = "#762a83"
DISCRIMINATOR = "#404040"
GENERATOR = GENERATED
HEATMAP = "PRGn"  # matplotlib's purple (judged generated) → green (judged real) map
ROLE_COLOURS = {"real": REAL, "generated": GENERATED, "discriminator": DISCRIMINATOR, "generator": GENERATOR}

# The losses' values where D cannot tell real from generated (D(x) = ½ everywhere). The other
# objectives (wgan, lsgan, hinge) have no such fixed value.
EQUILIBRIA: dict[str, dict[str, float]] = {
    "non-saturating": {"d_loss": math.log(2), "g_loss": math.log(2)},
    "minimax": {"d_loss": math.log(2), "g_loss": -math.log(2)},
}


def equilibrium(objective: str) -> dict[str, float]:
    """``{"d_loss": …, "g_loss": …}`` at D = ½ for the BCE objectives; empty where there is none."""
    return dict(EQUILIBRIA.get(objective, {}))
