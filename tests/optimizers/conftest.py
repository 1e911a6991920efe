"""A model stand-in, so the optimizers are tested with cygrad-core alone (no cygrad.layers)."""
import numpy as np
import pytest

from cygrad.variable import Variable


class StandIn:
    """Anything with ``params()`` will do for an optimizer: here, a dict of Variables."""

    def __init__(self, **params: Variable) -> None:
        self._params = params

    def params(self) -> dict[str, Variable]:
        return self._params


class Regression(StandIn):
    """A small least-squares fit ``x @ W + b ~ t`` with a real graph, to train for many steps."""

    def __init__(self, seed: int = 0, dtype=np.float64) -> None:
        rng = np.random.default_rng(seed)
        super().__init__(
            W=Variable(rng.normal(size=(3, 2)).astype(dtype)),
            b=Variable(np.zeros(2, dtype=dtype)),
        )
        self.x = Variable(rng.normal(size=(8, 3)).astype(dtype))
        self.t = Variable(rng.normal(size=(8, 2)).astype(dtype))

    def loss(self) -> Variable:
        """Mean over the rows of the squared error."""
        W, b = self._params["W"], self._params["b"]
        return ((self.x @ W + b - self.t) ** 2).sum() / 8

    def train(self, optimizer, steps: int) -> None:
        """``steps`` rounds of clear gradients, forward, backward, update."""
        for _ in range(steps):
            for p in self._params.values():
                p.cleargrad()
            self.loss().backward()
            optimizer.update(self)


@pytest.fixture
def stand_in():
    return StandIn


@pytest.fixture
def regression():
    return Regression
