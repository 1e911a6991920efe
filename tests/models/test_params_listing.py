"""Model.params() builds its listing once and builds it again whenever it would differ:
a cached listing that went stale would let an optimizer miss or mis-name a parameter."""
import numpy as np
import pytest

from cygrad.layers import Linear, Parameter, Parameters
from cygrad.models import MLP, Model, Sequential


def listing(model):
    """Keys and the parameter objects under them."""
    return [(key, id(p)) for key, p in model.params().items()]


def fresh_listing(model):
    """What params() must list, built independently of the model's cache."""
    out, seen = [], set()
    for i, layer in enumerate(model.layers):
        for name, p in layer.params().items():
            if id(p) not in seen:
                seen.add(id(p))
                out.append((f"{i}.{name}", id(p)))
    return out


def test_an_unchanged_model_returns_the_same_listing():
    model = MLP([3, 1])
    model(np.ones((1, 2)))
    assert model.params() is model.params()


def test_a_layer_appended_after_a_first_listing_is_listed():
    model = Model([Linear(2, in_size=3)])
    before = listing(model)
    model.layers.append(Linear(1, in_size=2))
    assert listing(model) == fresh_listing(model)
    assert [key for key, _ in listing(model)] == ["0.W", "0.b", "1.W", "1.b"]
    assert listing(model)[:2] == before


def test_a_layer_replaced_or_the_whole_list_reassigned_is_listed():
    model = Model([Linear(2, in_size=3), Linear(1, in_size=2)])
    model.params()
    model.layers[1] = Linear(1, in_size=2, nobias=True)
    assert listing(model) == fresh_listing(model)
    assert [key for key, _ in listing(model)] == ["0.W", "0.b", "1.W"]
    model.layers = [Linear(4, in_size=3)]
    assert listing(model) == fresh_listing(model)
    assert len(model.params()) == 2


def test_a_lazy_layer_created_after_a_first_listing_is_listed():
    model = MLP([3, 1])
    assert len(model.params()) == 0  # not called yet
    model(np.ones((1, 2)))
    assert [key for key, _ in listing(model)] == ["0.W", "0.b", "1.W", "1.b"]
    assert listing(model) == fresh_listing(model)


def test_a_parameter_deleted_and_added_again_is_the_new_object():
    model = MLP([3, 1])
    model(np.ones((1, 2)))
    old = model.params()["1.b"]
    ps = model.layers[1].params()
    ps.delete("b")
    assert "1.b" not in model.params()
    new = Parameter(np.zeros(1))
    ps.add("b", new)
    assert model.params()["1.b"] is new is not old
    assert listing(model) == fresh_listing(model)


def test_changing_the_returned_listing_does_not_stick():
    model = MLP([3, 1])
    model(np.ones((1, 2)))
    expected = fresh_listing(model)
    returned = model.params()
    returned.delete("0.W")
    returned.add("extra", Parameter(np.zeros(1)))
    assert listing(model) == expected


class DictLayer:
    """A Layer whose params() is a plain dict: it can change without a version to tell."""

    def __init__(self):
        self.ps = {"w": Parameter(np.zeros(2))}

    def first(self, x):
        return x

    def forward(self, x):
        return [x]

    def params(self):
        return self.ps

    def cleargrads(self):
        pass


def test_a_layer_listing_in_a_plain_dict_is_read_every_time():
    layer = DictLayer()
    model = Model([layer])
    model.params()
    layer.ps["v"] = Parameter(np.ones(3))
    assert [key for key, _ in listing(model)] == ["0.w", "0.v"]
    layer.ps["w"] = replaced = Parameter(np.ones(2))
    assert model.params()["0.w"] is replaced


class FreshListing(DictLayer):
    """params() builds a new Parameters on every call, as a composite layer may."""

    def params(self):
        out = Parameters()
        for name, p in self.ps.items():
            out.add(name, p)
        return out


def test_a_layer_building_a_new_listing_every_call_is_read_every_time():
    layer = FreshListing()
    model = Model([layer])
    model.params()
    layer.ps["v"] = Parameter(np.ones(3))
    assert [key for key, _ in listing(model)] == ["0.w", "0.v"]


def test_a_shared_layer_stays_listed_once_as_the_model_changes():
    lin = Linear(3, in_size=3)
    model = Sequential(lin, "tanh", lin)
    assert [key for key, _ in listing(model)] == ["0.W", "0.b"]
    model.layers.append(Linear(2, in_size=3))
    assert [key for key, _ in listing(model)] == ["0.W", "0.b", "3.W", "3.b"]
    model.layers.append(lin)
    assert listing(model) == fresh_listing(model)
    assert [key for key, _ in listing(model)] == ["0.W", "0.b", "3.W", "3.b"]


@pytest.mark.parametrize("change", ["append", "replace_param"])
def test_an_optimizer_steps_what_the_changed_model_lists(change):
    from cygrad.optimizers import SGD

    model = Model([Linear(2, in_size=3, rng=0)])
    opt = SGD(lr=0.5)
    x = np.ones((1, 3))

    def step():
        model.cleargrads()
        (model(x) ** 2).sum().backward()
        opt.update(model)

    step()
    if change == "append":
        model.layers.append(Linear(1, in_size=2, rng=1))
        target = model.layers[1].params()["W"]
    else:
        ps = model.layers[0].params()
        ps.delete("b")
        ps.add("b", Parameter(np.ones(2)))
        target = ps["b"]
        opt = SGD(lr=0.5)  # the old optimizer refuses another object under "0.b"
    before = target.data.copy()
    step()
    assert not np.array_equal(target.data, before)
