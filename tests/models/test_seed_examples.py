"""The seed's documented examples as written, in Python through DESIGN section 5's name map."""
import numpy as np

import cygrad.functions as F
from cygrad.layers import Linear
from cygrad.models import LSTM, MLP
from cygrad.optimizers import SGD, Adam
from cygrad.variable import Variable


def test_training_an_mlp():
    # Two hidden layers of size 10, output size 1
    mlp = MLP([10, 10, 1])

    opt = SGD(lr=0.01)

    x = Variable([1.0, 2.0, 3.0])
    t = Variable([0.0, 1.0, 0.0])

    losses = []
    for i in range(100):
        y = mlp.forward(x)
        loss = F.mean_squared_error(y, t)

        mlp.cleargrads()
        loss.backward()
        opt.update(mlp)

        if i % 10 == 0:
            print("loss:", loss.data)
        losses.append(loss.item())

    assert losses[-1] < losses[0]
    assert all(b <= a for a, b in zip(losses, losses[1:]))


def test_using_relu_activation():
    mlp = MLP(
        [64, 64, 10],
        activation=F.relu,
    )

    assert mlp.activation is F.relu
    assert [type(layer) for layer in mlp.layers] == [Linear, Linear, Linear]
    y = mlp(np.ones((5, 8)))
    assert y.shape == (5, 10)
    shapes = [p.shape for p in mlp.params().values()]
    assert shapes == [(8, 64), (64,), (64, 64), (64,), (64, 10), (10,)]


def test_training_an_lstm_on_a_sequence():
    sequence = [np.array([[np.sin(k / 4)]]) for k in range(20)]
    target = np.array([[1.0]])

    lstm = LSTM(64, 1)
    opt = Adam(lr=0.001, beta1=0.9, beta2=0.999)

    losses = []
    for epoch in range(10):
        lstm.reset_state()
        lstm.cleargrads()

        loss = None
        for x in sequence:
            y = lstm.forward(x)
            loss = F.mean_squared_error(y, target)

        loss.backward()
        opt.update(lstm)
        losses.append(loss.item())

    assert losses[-1] < losses[0]
