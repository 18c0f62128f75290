"""View ops on pending inputs: run at once only for calls that make a view, from metadata alone
(each row's ``view`` rule); never a kernel reading memory a pending op writes."""

import threading

import numpy
import pytest

import dnp
from dnp._engine import _vars
from dnp._ops import OPS
from tests.engine.by_hand import push_by_hand

C = numpy.arange(24.0).reshape(4, 6)
LAYOUTS = {"C": C, "F": numpy.asfortranarray(C), "strided": C[:, ::2], "1-d": C.ravel()}
CALLS = [  # (row, args after the array, keywords)
    ("ndarray.__getitem__", (slice(1, 3),), {}),
    ("ndarray.__getitem__", ((0, slice(None)),), {}),
    ("ndarray.__getitem__", ((Ellipsis, None),), {}),
    ("ndarray.__getitem__", (0,), {}),
    ("ndarray.__getitem__", (numpy.array([0, 1]),), {}),
    ("ndarray.__getitem__", ([0, 1],), {}),
    ("ndarray.__getitem__", (True,), {}),
    ("ndarray.__getitem__", (numpy.array(1),), {}),
    ("ndarray.__getitem__", ((slice(None), [1, 0]),), {}),
    ("ndarray.__getitem__", (slice(numpy.array(1), None),), {}),
    ("reshape", (-1,), {}),
    ("reshape", ((2, -1),), {"order": "F"}),
    ("reshape", (-1,), {"copy": True}),
    ("ndarray.reshape", (-1,), {}),
    ("ravel", (), {}),
    ("ravel", ("F",), {}),
    ("astype", (numpy.float64,), {}),
    ("astype", (numpy.float64,), {"copy": False}),
    ("astype", (numpy.float32,), {"copy": False}),
    ("ndarray.astype", (numpy.float64,), {"copy": False}),
    ("ndarray.astype", (numpy.int64,), {}),
    ("array", (), {}),
    ("array", (), {"copy": False}),
    ("asarray", (), {}),
    ("asarray", (numpy.float32,), {}),
    ("asarray", (), {"order": "C"}),
    ("ascontiguousarray", (), {}),
    ("asfortranarray", (), {}),
    ("require", (), {}),
    ("transpose", (), {}),
    ("diag", (), {}),
    ("imag", (), {}),
    ("real", (), {}),
    ("atleast_3d", (), {}),
    ("broadcast_to", ((3, *C.shape),), {}),
    ("split", (2,), {}),
    ("expand_dims", (0,), {}),
]


def _shares(result, base) -> bool:
    items = result if isinstance(result, (tuple, list)) else (result,)
    return all(isinstance(r, numpy.ndarray) and numpy.shares_memory(r, base) for r in items)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("name, rest, kwargs", CALLS, ids=lambda v: str(v)[:24])
def test_a_view_rule_agrees_with_what_numpy_makes(name, rest, kwargs, layout):
    a = LAYOUTS[layout]
    if name == "broadcast_to" and a.shape != C.shape:
        rest = ((3, *a.shape),)
    view = OPS[name].view((a, *rest), kwargs)
    try:
        result = OPS[name].kernel(numpy)(a, *rest, **kwargs)
    except Exception:  # noqa: BLE001  # the call is invalid: the rule may say anything
        return
    if view:
        assert _shares(result, a), f"{name}: the rule said a view; NumPy made a copy"
    elif view is False:
        items = result if isinstance(result, (tuple, list)) else (result,)
        assert not any(isinstance(r, numpy.ndarray) and numpy.shares_memory(r, a) for r in items), (
            f"{name}: the rule said a copy; NumPy made a view"
        )


@pytest.fixture
def gated(forced):
    """An array whose memory a pending op (held at a gate) writes; the gate, set after a test."""
    z = dnp.asarray(numpy.linspace(-2.0, 2.0, 1000))
    m = dnp.abs(z) < 1
    dnp.waitall()
    gate = threading.Event()
    push_by_hand(gate.wait, "gate", [z, m])
    yield z, m, gate
    gate.set()


def test_a_copying_view_op_waits_for_what_it_reads(gated, monkeypatch):
    """``z[m]`` (a boolean mask: NumPy counts it, then copies) runs only after the pending
    writer of ``z`` and ``m`` finished: it never reads memory a worker writes."""
    z, m, gate = gated
    op = OPS["ndarray.__getitem__"]
    kernel = op.kernel(numpy)
    seen = []

    def spy(a, key):
        seen.append(gate.is_set())
        return kernel(a, key)

    monkeypatch.setitem(op.kernels, numpy, spy)
    threading.Timer(0.05, gate.set).start()  # whenever it fires: z[m] may only run after
    got = z[m]
    assert seen and all(seen)
    expected = numpy.linspace(-2.0, 2.0, 1000)
    numpy.testing.assert_array_equal(got.asnumpy(), expected[numpy.abs(expected) < 1])


def test_a_view_of_a_pending_array_is_made_at_once(gated):
    """Basic slicing of memory a pending op writes makes its view without waiting (the gate is
    still closed), and the view shares the array's dependency state."""
    z, _, gate = gated
    v = z[10:20]
    t = z.T.reshape(-1)[::2]
    assert not gate.is_set()
    assert _vars.pending(_vars.owner_of(v._buf)) and _vars.pending(_vars.owner_of(t._buf))
    gate.set()
    numpy.testing.assert_array_equal(v.asnumpy(), numpy.linspace(-2.0, 2.0, 1000)[10:20])
