"""The row C2ST's two classifiers in torch: k nearest neighbours and logistic regression.

They are the classifiers scikit-learn's ``KNeighborsClassifier(k)`` and
``LogisticRegression()`` fit, written in torch so that judging a run of vectors
loads neither scikit-learn nor SciPy (1–2 s of imports, more than the whole
evaluation of the chapter's run). Both take standardized features (the caller
standardizes with the training half's mean and deviation, as scikit-learn's
``StandardScaler`` does) and labels 1 (real) / 0 (generated), and share the
``fit(x, y)`` / ``predict(x)`` interface of scikit-learn's estimators.

* :class:`NearestNeighbours`: the majority label of the ``k`` nearest training
  rows (Euclidean); a tie predicts 0, as scikit-learn's vote does.
* :class:`Logistic`: ``min ½‖w‖² + Σᵢ log(1 + exp(−ỹᵢ(w·xᵢ + b)))`` with
  ``ỹ = ±1`` (scikit-learn's default: L2, C = 1, intercept not penalized),
  solved by Newton's method with a backtracking line search. The objective is
  strictly convex, so the optimum is the one scikit-learn's L-BFGS approaches.
"""

from __future__ import annotations

import numpy as np
import torch

TEST_ROWS_PER_CHUNK = 2048  # distance rows computed at once: 2048 × n_train float64 values
NEWTON_STEPS = 50
NEWTON_TOLERANCE = 1e-10


class NearestNeighbours:
    """k-nearest-neighbour vote over the training rows."""

    def __init__(self, k: int) -> None:
        self.k = k

    def fit(self, x: np.ndarray, y: np.ndarray) -> "NearestNeighbours":
        self.rows = torch.as_tensor(x, dtype=torch.float64)
        self.labels = torch.as_tensor(y, dtype=torch.float64)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        queries = torch.as_tensor(x, dtype=torch.float64)
        k = min(self.k, len(self.rows))
        votes = [self.labels[torch.cdist(chunk, self.rows).topk(k, largest=False).indices].sum(dim=1)
                 for chunk in queries.split(TEST_ROWS_PER_CHUNK)]
        return (torch.cat(votes) * 2 > k).to(torch.float64).numpy()


class Logistic:
    """L2-regularized logistic regression (C = 1), fitted to its optimum by Newton's method."""

    def fit(self, x: np.ndarray, y: np.ndarray) -> "Logistic":
        design = _with_intercept(torch.as_tensor(x, dtype=torch.float64))
        target = torch.as_tensor(y, dtype=torch.float64)
        penalty = torch.ones(design.shape[1], dtype=torch.float64)
        penalty[-1] = 0.0  # the intercept is not penalized
        theta = torch.zeros(design.shape[1], dtype=torch.float64)
        loss = _objective(design, target, penalty, theta)
        for _ in range(NEWTON_STEPS):
            p = torch.sigmoid(design @ theta)
            gradient = design.T @ (p - target) + penalty * theta
            hessian = design.T @ (design * (p * (1 - p))[:, None]) + torch.diag(penalty)
            step = torch.linalg.solve(hessian, gradient)
            theta, loss, size = _backtrack(design, target, penalty, theta, step, loss)
            if float((size * step).abs().max()) < NEWTON_TOLERANCE:
                break
        self.theta = theta
        return self

    def decision_function(self, x: np.ndarray) -> torch.Tensor:
        return _with_intercept(torch.as_tensor(x, dtype=torch.float64)) @ self.theta

    def predict(self, x: np.ndarray) -> np.ndarray:
        return (self.decision_function(x) > 0).to(torch.float64).numpy()


def _with_intercept(x: torch.Tensor) -> torch.Tensor:
    return torch.cat([x, torch.ones(len(x), 1, dtype=x.dtype)], dim=1)


def _objective(design: torch.Tensor, target: torch.Tensor, penalty: torch.Tensor, theta: torch.Tensor) -> float:
    """½‖w‖² + Σ log-loss, with the log-loss of logit z and label t written as softplus(z) − t·z."""
    z = design @ theta
    return float(torch.nn.functional.softplus(z).sum() - (target * z).sum() + 0.5 * (penalty * theta**2).sum())


def _backtrack(design: torch.Tensor, target: torch.Tensor, penalty: torch.Tensor, theta: torch.Tensor,
               step: torch.Tensor, loss: float) -> tuple[torch.Tensor, float, float]:
    """The Newton step, halved until the objective does not increase: (new θ, its objective, step size)."""
    size = 1.0
    while size > 1e-8:
        candidate = theta - size * step
        candidate_loss = _objective(design, target, penalty, candidate)
        if candidate_loss <= loss:
            return candidate, candidate_loss, size
        size /= 2
    return theta, loss, 0.0
