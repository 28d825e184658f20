"""Published results of the 2-D mode-collapse protocols, for side-by-side tables (copied from the papers).

PacGAN protocol (Lin et al. 2018, Table 1): modes, HQ% and reverse KL, mean ± s.e. over 10 seeds.
VEEGAN protocol (Srivastava et al. 2017; WGAN-GP and GDPP rows from the GDPP paper): modes and HQ%.
"""

from __future__ import annotations

# gankit's ring and grid presets (recommended and K-informed) use the data and metric of the PacGAN protocol.
PROTOCOL_OF = {"ring": "pacgan-ring", "grid": "pacgan-grid", "ring-k8": "pacgan-ring", "grid-k25": "pacgan-grid"}

PUBLISHED: dict[str, list[dict[str, str]]] = {
    "pacgan-ring": [
        {"method": "GAN", "modes": "6.3 ± 0.5", "hq_pct": "98.2 ± 0.2", "reverse_kl": "0.45 ± 0.09"},
        {"method": "ALI", "modes": "6.6 ± 0.3", "hq_pct": "97.6 ± 0.4", "reverse_kl": "0.36 ± 0.04"},
        {"method": "PacGAN2", "modes": "7.9 ± 0.1", "hq_pct": "95.6 ± 2.0", "reverse_kl": "0.07 ± 0.03"},
        {"method": "PacGAN3", "modes": "7.8 ± 0.1", "hq_pct": "97.7 ± 0.3", "reverse_kl": "0.10 ± 0.02"},
        {"method": "PacGAN4", "modes": "7.8 ± 0.1", "hq_pct": "95.9 ± 1.4", "reverse_kl": "0.07 ± 0.02"},
    ],
    "pacgan-grid": [
        {"method": "GAN", "modes": "17.3 ± 0.8", "hq_pct": "94.8 ± 0.7", "reverse_kl": "0.70 ± 0.07"},
        {"method": "ALI", "modes": "24.1 ± 0.4", "hq_pct": "95.7 ± 0.6", "reverse_kl": "0.14 ± 0.03"},
        {"method": "PacGAN2", "modes": "23.8 ± 0.7", "hq_pct": "91.3 ± 0.8", "reverse_kl": "0.13 ± 0.04"},
        {"method": "PacGAN3", "modes": "24.6 ± 0.4", "hq_pct": "94.2 ± 0.4", "reverse_kl": "0.06 ± 0.02"},
        {"method": "PacGAN4", "modes": "24.8 ± 0.2", "hq_pct": "93.6 ± 0.6", "reverse_kl": "0.04 ± 0.01"},
    ],
    "veegan-ring": [
        {"method": "GAN", "modes": "1", "hq_pct": "99.3", "reverse_kl": ""},
        {"method": "Unrolled GAN", "modes": "7.6", "hq_pct": "35.6", "reverse_kl": ""},
        {"method": "VEEGAN", "modes": "8", "hq_pct": "52.9", "reverse_kl": ""},
        {"method": "WGAN-GP (GDPP paper)", "modes": "6.8", "hq_pct": "59.6", "reverse_kl": ""},
        {"method": "GDPP-GAN", "modes": "8.0", "hq_pct": "71.7", "reverse_kl": ""},
    ],
    "veegan-grid": [
        {"method": "GAN", "modes": "3.3", "hq_pct": "0.5", "reverse_kl": ""},
        {"method": "Unrolled GAN", "modes": "23.6", "hq_pct": "16", "reverse_kl": ""},
        {"method": "VEEGAN", "modes": "24.6", "hq_pct": "40", "reverse_kl": ""},
        {"method": "WGAN-GP (GDPP paper)", "modes": "24.2", "hq_pct": "28.7", "reverse_kl": ""},
        {"method": "GDPP-GAN", "modes": "24.8", "hq_pct": "68.5", "reverse_kl": ""},
    ],
}
