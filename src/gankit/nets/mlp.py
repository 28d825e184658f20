"""Multilayer perceptrons for generators and discriminators of vectors.

The chapter's nets are the smallest members of this family: G = one Linear(2, 2),
D = Linear(2,5)-Tanh-Linear(5,3)-Tanh-Linear(3,1). D returns a logit; the sigmoid
lives inside the loss, where it is numerically stable.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import nn

from gankit.config import ModelConfig, NetConfig
from gankit.nets.entropy_bonus import with_entropy_bonus

# each activation as a module (shown when the net is printed) and as the function its forward calls
ACTIVATIONS: dict[str, tuple[type[nn.Module], Callable[[torch.Tensor], torch.Tensor]]] = {
    "tanh": (nn.Tanh, torch.tanh),
    "relu": (nn.ReLU, F.relu),
    "leaky_relu": (nn.LeakyReLU, F.leaky_relu),
    "elu": (nn.ELU, F.elu),
    "sigmoid": (nn.Sigmoid, torch.sigmoid),
}


class MLP(nn.Module):
    """Linear layers with an activation between them (none after the last).

    Hidden layers may be *maxout* layers (``maxout`` > 1 pieces: the layer computes
    ``maxout`` linear maps per unit and keeps the largest, which is then its only
    non-linearity, as in PacGAN's discriminator) and may be followed by BatchNorm
    (PacGAN's generator). ``forward`` calls ``F.linear`` on each layer's weights
    directly: for nets this small, one module call instead of one per layer is a
    measurable saving.

    A generator may add *output noise* (:meth:`add_output_noise`): ``x = net(z') + s·ε``,
    ε the latent's N(0, I) columns meant for it, ``z'`` the latent without them and
    ``s = softplus(m · output_noise)`` one learned scale per output (``m`` its learning-rate
    multiplier, below). A deterministic G can
    shape each mode only by how it warps the latent; learned noise gives every point
    the data's own small-scale spread (each of the PacGAN mixtures' modes is an
    isotropic Gaussian). The net never sees ε, so it cannot cancel the noise: ``s`` is a
    true floor on every point's spread, and D's gradient on ``s`` is what sets it, with an optional
    entropy bonus ``−λ · Σ log s`` in G's loss (``nets/entropy_bonus.py``) that keeps ``s`` from staying
    small where the game cannot tell it from a wider warp.

    A generator whose latent ends in a categorical code (:meth:`read_code_by_lookup`) gets the
    code as one column holding its index c and adds the first layer's weight column c, which is
    the product with the one-hot code without the 1,000-wide rows and products.
    """

    def __init__(self, widths: list[int], activation: str, batch_norm: bool = False, maxout: int = 1,
                 dropout: float = 0.0) -> None:
        super().__init__()
        last = len(widths) - 2
        self.layers = nn.ModuleList(
            nn.Linear(a, b if i == last else b * maxout) for i, (a, b) in enumerate(zip(widths[:-1], widths[1:]))
        )
        self.norms = nn.ModuleList(nn.BatchNorm1d(b) for b in widths[1:-1]) if batch_norm else None
        module, self.activate = ACTIVATIONS[activation]
        self.activation = module()
        self.maxout = maxout
        self.dropout = dropout
        self.in_features, self.out_features = widths[0], widths[-1]
        self.noise_start: int | None = None  # first latent column of ε, when the net adds output noise
        self.noise_lr_mul = 1.0
        self.noise_entropy = 0.0  # λ of the entropy bonus on the output noise's scale
        self.code_columns = 0  # categories of a code in the last input column, read by lookup (read_code_by_lookup)

    def add_output_noise(self, start: int, initial_scale: float, lr_mul: float = 1.0, entropy: float = 0.0) -> None:
        """Add ``s·ε`` to every output, ε = input columns ``start … start + out − 1``, s learned from ``initial_scale``.

        The net's first layer must take the latent's width less those ``out`` columns (``build.py``): they are
        cut from its input (:meth:`_net_input`).

        ``lr_mul`` makes ``s`` learn ``lr_mul`` times faster than the net's weights under the same optimizer,
        as StyleGAN2's ``lr_multiplier`` does for its mapping net: the parameter is stored divided by
        ``lr_mul`` and multiplied back in the forward pass. Adam moves a parameter by about its learning rate
        per step whatever the gradient's size, so the effective parameter ``lr_mul · raw`` moves ``lr_mul``
        times as far. One flat buffer and one optimizer keep serving every parameter (``train/optim.py``).

        ``entropy`` (λ ≥ 0) adds ``−λ · Σ_j log s_j`` to G's loss through ``s``'s gradient (``nets/entropy_bonus.py``)."""
        raw = torch.log(torch.expm1(torch.tensor(float(initial_scale))))  # softplus(raw) = initial_scale
        self.output_noise = nn.Parameter(raw.repeat(self.out_features) / lr_mul)
        self.noise_start = start
        self.noise_lr_mul = float(lr_mul)
        self.noise_entropy = float(entropy)

    def read_code_by_lookup(self, categories: int) -> None:
        """Read the input's last column as a code c in {0, …, ``categories`` − 1}, the first layer's
        last ``categories`` weight columns as the code's weights.

        ``W·[z, one_hot(c)] = W_z·z + W[:, c]``: the first layer gathers the weight column of each
        row's code (:class:`CodeLookup`) instead of multiplying by C one-hot columns
        (``Latent.code_index`` draws such rows). No gradient flows to the code (it is a category)."""
        self.code_columns = categories

    def initialize_first_layer_as_if_code_were(self, columns: int, generator: torch.Generator) -> None:
        """Redraw the first layer's weights and biases from PyTorch's default U(±1/sqrt(fan_in)) with the code
        counted as ``columns`` inputs instead of its C one-hot columns: fan_in = latent noise dims + ``columns``.

        Under PyTorch's bound, C categories give the code's weight columns (each piece's starting offset) a
        bound of 1/sqrt(d + C): with C = 1,000 every piece starts within 0.03 of the others, with C = 100 within
        0.1. Fixing ``columns`` keeps that starting spread when C changes (``model.code_fan_in``)."""
        layer = self.layers[0]
        bound = 1.0 / math.sqrt(layer.in_features - self.code_columns + columns)
        with torch.no_grad():
            layer.weight.uniform_(-bound, bound, generator=generator)
            layer.bias.uniform_(-bound, bound, generator=generator)

    def output_noise_scale(self) -> torch.Tensor:
        """The learned scale ``s`` of each output's noise (detached; for reports and tests)."""
        return F.softplus(self.noise_lr_mul * self.output_noise.detach())

    def _net_input(self, z: torch.Tensor) -> torch.Tensor:
        """The latent without the ε columns of the output noise (all of it when there is none, or when the
        first layer reads the code by lookup and picks its own columns: no copy of a wide code block)."""
        start = self.noise_start
        if start is None or self.code_columns:
            return z
        return torch.cat((z[..., :start], z[..., start + self.out_features :]), dim=-1)

    def _add_noise(self, z: torch.Tensor, x: torch.Tensor, raw: torch.Tensor) -> torch.Tensor:
        start = self.noise_start
        scale = with_entropy_bonus(F.softplus(self.noise_lr_mul * raw), self.noise_entropy)
        return x + scale * z[..., start : start + self.out_features]

    def _hidden(self, i: int, x: torch.Tensor) -> torch.Tensor:
        if self.maxout > 1:
            x = x.unflatten(-1, (-1, self.maxout)).amax(dim=-1)
        else:
            if self.norms is not None:
                x = self.norms[i](x)
            x = self.activate(x)
        return F.dropout(x, self.dropout, self.training) if self.dropout else x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z, x = x, self._net_input(x)
        last = len(self.layers) - 1
        plain = self.maxout == 1 and self.norms is None and not self.dropout
        for i, layer in enumerate(self.layers):
            weight, bias = layer.weight, layer.bias
            if i == 0 and self.code_columns:
                x = self._dense_part(x, weight, bias) + self._code_part(x, weight)
            else:
                x = _broadcast_linear(x, weight, bias) if _tiny(weight) else F.linear(x, weight, bias)
            if i < last:
                x = self.activate(x) if plain else self._hidden(i, x)
        return x if self.noise_start is None else self._add_noise(z, x, self.output_noise)

    def forward_stacked(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        """M copies at once: ``params`` holds ``(M, *shape)`` stacks, ``x`` is ``(M, batch, in)``.

        Batched matrix products do what ``vmap(functional_call(self, …))`` does, with far less
        overhead; tiny layers take :func:`_broadcast_linear`, as :meth:`forward` does. (Nets with
        BatchNorm or spectral norm keep buffers and are never stacked.)
        """
        z, x = x, self._net_input(x)
        last = len(self.layers) - 1
        for i in range(len(self.layers)):
            weight, bias = params[f"layers.{i}.weight"], params[f"layers.{i}.bias"]
            if i == 0 and self.code_columns:
                x = self._dense_part(x, weight, bias.unsqueeze(1)) + self._code_part(x, weight)
            elif _tiny(weight[0]):
                x = _broadcast_linear(x, weight, bias.unsqueeze(1))
            else:
                x = StackedLinear.apply(x, weight, bias)
            if i < last:
                x = self._hidden(i, x)
        return x if self.noise_start is None else self._add_noise(z, x, params["output_noise"].unsqueeze(1))

    def _dense_part(self, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        """The first layer's product with the input's columns before the code: a few noise columns,
        so a broadcast product, one summation order for a single net and a stack alike."""
        dense = weight.shape[-1] - self.code_columns  # z: the columns before ε (and before the code)
        return _broadcast_linear(x[..., :dense], weight[..., :dense], bias)

    def _code_part(self, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        """The first layer's product with the one-hot code of the input's last column, as a lookup."""
        codes = x[..., -1].long()
        return CodeLookup.apply(codes, weight[..., -self.code_columns :])


class CodeLookup(torch.autograd.Function):
    """``one_hot(codes) @ weightᵀ`` as a gather: ``codes`` ``(…, B)``, ``weight`` ``(…, out, C)`` → ``(…, B, out)``.

    One net (no leading dims) and a stack of M (leading ``M``) run the same gather and the same
    ``index_add_``, which adds each member's rows in batch order, so a stacked member's gradient
    has its single net's bits.
    """

    @staticmethod
    def forward(ctx: Any, codes: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        outputs, categories = weight.shape[-2:]
        table = weight.transpose(-1, -2).reshape(-1, outputs)  # (M·C, out): member m's column c at row m·C + c
        rows = _flat_rows(codes, categories)
        ctx.save_for_backward(rows)
        ctx.weight_shape = weight.shape
        return table.index_select(0, rows).reshape(*codes.shape, outputs)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[None, torch.Tensor]:
        (rows,) = ctx.saved_tensors
        *lead, outputs, categories = ctx.weight_shape
        table_grad = grad.new_zeros(_members(lead) * categories, outputs).index_add_(0, rows, grad.reshape(-1, outputs))
        return None, table_grad.reshape(*lead, categories, outputs).transpose(-1, -2)


def _members(lead: list[int]) -> int:
    """How many nets a weight's leading dims hold: 1 for one net's ``(out, in)``, M for a stack."""
    return lead[0] if lead else 1


def _flat_rows(codes: torch.Tensor, categories: int) -> torch.Tensor:
    """Each row's code as a row of the flattened ``(M·C, out)`` table: ``m·C + code`` for member m."""
    if codes.dim() == 1:
        return codes
    offsets = torch.arange(codes.shape[0], device=codes.device).unsqueeze(1) * categories
    return (codes + offsets).reshape(-1)


class StackedLinear(torch.autograd.Function):
    """M linear layers at once, ``x`` ``(M, B, in)`` → ``(M, B, out)``, with the single layer's arithmetic.

    Forward is one batched product. Backward is written out so that every
    product has the orientation ``F.linear``'s own backward uses (``g @ W`` and
    ``gᵀ @ x``): autograd's default for ``baddbmm`` computes the weight gradient
    as ``(xᵀ @ g)ᵀ``, which BLAS sums in another order for some shapes, and a
    sweep member would then drift from its single run in the last bits.
    """

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x, weight)
        return torch.baddbmm(bias.unsqueeze(1), x, weight.transpose(1, 2))

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor, torch.Tensor]:
        x, weight = ctx.saved_tensors
        x_grad = torch.bmm(grad, weight) if ctx.needs_input_grad[0] else None  # none for the net's input rows
        return x_grad, torch.bmm(grad.transpose(1, 2), x), grad.sum(1)


# Layers with at most this many weights (and every one-output layer) skip BLAS: see _broadcast_linear.
TINY_LAYER_WEIGHTS = 64


def _tiny(weight: torch.Tensor) -> bool:
    """True for a layer computed by :func:`_broadcast_linear`: one output (D's logit) or at most
    ``TINY_LAYER_WEIGHTS`` weights (the chapter's 2→2, 2→5 and 5→3 layers)."""
    return weight.shape[0] == 1 or weight.numel() <= TINY_LAYER_WEIGHTS


def _broadcast_linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """``x @ weightᵀ + bias`` as a broadcast product and a row sum, for one net or a stack of M.

    ``x`` is ``(…, B, in)`` and ``weight`` ``(…, out, in)``. For tiny products BLAS picks its
    kernel by CPU (AVX2, AVX-512) and by call (one matrix or a batch of them), and the kernels
    sum in different orders: a stacked sweep member drifted from its single run in the last
    bits on one machine and not on another. A broadcast sum is computed per row in one order
    wherever it runs, forward and backward, so single runs and stacks use this same code.
    """
    return (x.unsqueeze(-2) * weight.unsqueeze(-3)).sum(-1) + bias


def mlp(in_dim: int, out_dim: int, net: NetConfig) -> MLP:
    """An :class:`MLP` of widths ``in_dim → *net.hidden → out_dim`` as ``net`` describes."""
    return MLP([in_dim, *net.hidden, out_dim], net.activation, net.batch_norm, net.maxout, net.dropout)


def apply_spectral_norm(net: MLP) -> MLP:
    """Divide every layer's weight by its largest singular value (power iteration), as SNGAN does."""
    for index, layer in enumerate(net.layers):
        net.layers[index] = nn.utils.parametrizations.spectral_norm(layer)
    return net


def initialize(module: nn.Module, model: ModelConfig, generator: torch.Generator) -> None:
    """Every Linear layer: ``normal`` weights ~ N(0, init_std) (the chapter) or ``orthogonal`` with
    ``init_gain`` (VEEGAN), biases 0; ``default`` leaves PyTorch's initialisation."""
    if model.init == "default":
        return
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, nn.Linear):
                if model.init == "orthogonal":
                    nn.init.orthogonal_(layer.weight, gain=model.init_gain, generator=generator)
                else:
                    layer.weight.normal_(0.0, model.init_std, generator=generator)
                layer.bias.zero_()
