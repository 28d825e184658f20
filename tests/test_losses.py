"""The objectives against hand-computed values and against the chapter's Sigmoid + BCELoss."""

import math

import pytest
import torch
from torch import nn

from gankit.losses import d_loss_bce, g_loss_minimax, g_loss_non_saturating, objective


def t(*values: float) -> torch.Tensor:
    return torch.tensor(values).reshape(-1, 1)


def test_losses_at_zero_logits_equal_ln2():
    assert d_loss_bce(t(0.0, 0.0), t(0.0)).item() == pytest.approx(math.log(2))
    assert g_loss_non_saturating(t(0.0)).item() == pytest.approx(math.log(2))
    assert g_loss_minimax(t(0.0)).item() == pytest.approx(-math.log(2))


def test_d_loss_hand_computed():
    # 0.5 * (log(1 + e^-2) + log(1 + e^-1)) = 0.5 * (0.126928 + 0.313262)
    assert d_loss_bce(t(2.0), t(-1.0)).item() == pytest.approx(0.2200951, abs=1e-6)


def test_generator_losses_hand_computed():
    assert g_loss_non_saturating(t(1.0)).item() == pytest.approx(math.log(1 + math.exp(-1)), abs=1e-6)
    assert g_loss_minimax(t(1.0)).item() == pytest.approx(-math.log(1 + math.e), abs=1e-6)


def test_same_as_chapter_sigmoid_bce():
    torch.manual_seed(0)
    real, fake = torch.randn(8, 1), torch.randn(8, 1)
    bce = nn.BCELoss()
    chapter_d = (bce(torch.sigmoid(real), torch.ones(8, 1)) + bce(torch.sigmoid(fake), torch.zeros(8, 1))) / 2
    chapter_g = bce(torch.sigmoid(fake), torch.ones(8, 1))
    assert d_loss_bce(real, fake).item() == pytest.approx(chapter_d.item(), abs=1e-6)
    assert g_loss_non_saturating(fake).item() == pytest.approx(chapter_g.item(), abs=1e-6)


def test_stable_for_huge_logits():
    assert torch.isfinite(d_loss_bce(t(1e4), t(-1e4)))
    assert g_loss_non_saturating(t(-1e4)).item() == pytest.approx(1e4)


def test_objective_lookup():
    assert objective("minimax")[1] is g_loss_minimax
    with pytest.raises(KeyError):
        objective("nope")
