"""Importing cygrad to train a model loads no plugin or file machinery: the registry's
importlib.metadata and the save/load formats' zipfile and tempfile cost a few MiB of memory,
and are imported when a name is first looked up or a model first saved or loaded."""
import json
import subprocess
import sys

HEAVY = ["importlib.metadata", "zipfile", "tempfile", "socket"]


def loaded_after(code):
    probe = f"import sys, json\n{code}\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_training_imports_load_none_of_it():
    assert loaded_after(
        "import cygrad.functions, cygrad.layers, cygrad.models, cygrad.optimizers\n"
        "import numpy as np\n"
        "m = cygrad.models.MLP([3, 1]); o = cygrad.optimizers.SGD()\n"
        "cygrad.functions.mean_squared_error(m(np.ones((1, 2))), np.ones((1, 1))).backward()\n"
        "o.update(m)"
    ) == []


def test_saving_and_looking_up_names_load_it_when_needed(tmp_path):
    path = tmp_path / "m.npz"
    loaded = loaded_after(
        "import numpy as np\nfrom cygrad.models import MLP\n"
        f"m = MLP([3, 1], activation='relu'); m(np.ones((1, 2))); m.save({str(path)!r})"
    )
    assert "importlib.metadata" in loaded and "zipfile" in loaded
