"""Property tests against NumPy: broadcasting, type promotion (NEP 50) and indexing.

Each example runs through ``compare`` (tests/conformance.py): dnp's result (values, dtype, shape)
or exception type must equal NumPy's.
"""

import operator

import numpy
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.conformance import DEVICES, compare
from tests.samples import ALL_DTYPES, positive, sample

on_devices = pytest.mark.parametrize("device", DEVICES)

# --- broadcasting -------------------------------------------------------------------------------
SHAPE = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)
# Half broadcast-compatible triples, half arbitrary ones (mostly incompatible: ValueError).
SHAPES = st.one_of(
    hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=4, min_side=0, max_side=4).map(
        lambda s: s.input_shapes
    ),
    st.tuples(SHAPE, SHAPE, SHAPE),
)
SOME_DTYPES = st.sampled_from(
    ["bool", "int8", "uint16", "int64", "float32", "float64", "complex64"]
)
BINARY = {
    "add": lambda xp: xp.add,
    "multiply": lambda xp: xp.multiply,
    "operator +": lambda xp: operator.add,
    "operator *": lambda xp: operator.mul,
}


@on_devices
@given(shapes=SHAPES, dtypes=st.tuples(SOME_DTYPES, SOME_DTYPES), op=st.sampled_from(list(BINARY)))
def test_binary_broadcasting(device, shapes, dtypes, op):
    (a, b, _), (ta, tb) = shapes, dtypes
    compare(
        lambda xp: BINARY[op](xp)(xp.asarray(sample(ta, a)), xp.asarray(sample(tb, b, 1))), device
    )


@on_devices
@given(shapes=SHAPES, dtypes=st.tuples(SOME_DTYPES, SOME_DTYPES))
def test_where_broadcasting(device, shapes, dtypes):
    (c, a, b), (ta, tb) = shapes, dtypes
    compare(
        lambda xp: xp.where(
            xp.asarray(sample("bool", c)), xp.asarray(sample(ta, a)), xp.asarray(sample(tb, b, 2))
        ),
        device,
    )


# --- type promotion: every pair of the 13 dtypes, and Python scalars (NEP 50) -------------------
PROMOTING = ["add", "multiply", "true_divide"]


@on_devices
@pytest.mark.parametrize("right", ALL_DTYPES)
@pytest.mark.parametrize("left", ALL_DTYPES)
@pytest.mark.parametrize("op", PROMOTING)
def test_promotion_of_array_pairs(op, left, right, device):
    compare(
        lambda xp: getattr(xp, op)(
            xp.asarray(sample(left, (4,))), xp.asarray(positive(right, (4,)))
        ),
        device,
    )


@on_devices
@pytest.mark.parametrize("right", ALL_DTYPES)
@pytest.mark.parametrize("left", ALL_DTYPES)
def test_promotion_with_0d_arrays(left, right, device):
    # 0-d arrays are not weak: they promote like any array.
    compare(
        lambda xp: xp.add(xp.asarray(sample(left, (4,))), xp.asarray(positive(right, ()))), device
    )


# Weakly typed Python scalars: the array's dtype wins within a kind; out-of-range ints raise.
SCALARS = [True, 3, -3, 300, 2**40, 2.5, 1e300, 1 + 2j]


@on_devices
@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("op", PROMOTING)
def test_promotion_with_python_scalars(op, dtype, scalar, device):
    def array_first(xp):
        return getattr(xp, op)(xp.asarray(positive(dtype, (4,))), scalar)

    def scalar_first(xp):
        f = getattr(xp, op)
        return f(scalar, xp.asarray(positive(dtype, (4,))))

    compare(array_first, device)
    compare(scalar_first, device)


# --- indexing -----------------------------------------------------------------------------------
INDEX_KINDS = ["int", "slice", "slice", "ellipsis", "newaxis", "intarray", "list", "boolarray"]
ADVANCED = ("intarray", "list")


def rarely(draw) -> bool:
    """True one time in ten (hypothesis favours boundary integers, so not integers(0, 9) == 0)."""
    return draw(st.sampled_from((False,) * 9 + (True,)))


@st.composite
def index_cases(draw):
    """(shape, index parts, whether integer arrays are among them). Out-of-range on purpose."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5))
    parts, dim, advanced = [], 0, False
    for _ in range(draw(st.integers(0, len(shape) + rarely(draw)))):
        side = shape[dim] if dim < len(shape) else 2
        kind = draw(st.sampled_from(INDEX_KINDS))
        bound = st.none() | st.integers(-side - 2, side + 2)
        if kind == "int":
            in_range = side and not rarely(draw)
            parts.append(
                draw(st.integers(-side, side - 1) if in_range else st.integers(-side - 1, side))
            )
        elif kind == "slice":
            step = st.none() | st.integers(-3, 3).filter(bool)
            parts.append(slice(draw(bound), draw(bound), draw(step)))
        elif kind == "ellipsis":
            parts.append(Ellipsis)
        elif kind == "newaxis":
            parts.append(None)
        elif kind in ADVANCED:
            values = st.integers(-side, side - 1) if side else st.integers(-1, 1)
            arr = draw(
                hnp.arrays(numpy.intp, hnp.array_shapes(max_dims=2, max_side=3), elements=values)
            )
            parts.append(arr.tolist() if kind == "list" else arr)
            advanced = True
        else:  # a boolean mask over the next one or two dimensions, sometimes of the wrong length
            mask_shape = tuple(shape[dim : dim + draw(st.integers(1, 2))]) or (side,)
            if rarely(draw):
                mask_shape = (mask_shape[0] + 1, *mask_shape[1:])
            parts.append(draw(hnp.arrays(numpy.bool_, mask_shape)))
            dim += len(mask_shape) - 1
        dim += kind not in ("ellipsis", "newaxis")
    single = len(parts) == 1 and draw(st.booleans())
    return shape, (parts[0] if single else tuple(parts)), advanced


def _on(xp, index):
    """The index with its NumPy arrays as ``xp`` arrays."""
    if isinstance(index, tuple):
        return tuple(_on(xp, i) for i in index)
    return xp.asarray(index) if isinstance(index, numpy.ndarray) else index


INDEXED_DTYPES = st.sampled_from(["float64", "int32", "uint8", "bool", "complex64"])


@on_devices
@given(case=index_cases(), dtype=INDEXED_DTYPES)
def test_getitem(device, case, dtype):
    shape, index, _ = case
    compare(lambda xp: xp.asarray(sample(dtype, shape))[_on(xp, index)], device)


@st.composite
def value_shapes(draw, target):
    """A shape that broadcasts to ``target`` (dims dropped from the left or set to 1)."""
    kept = target[draw(st.integers(0, len(target))) :]
    return tuple(1 if draw(st.booleans()) else n for n in kept)


@on_devices
@given(case=index_cases(), dtype=INDEXED_DTYPES, data=st.data())
def test_setitem(device, case, dtype, data):
    shape, index, advanced = case
    try:
        target = sample(dtype, shape)[index].shape
    except (IndexError, ValueError, TypeError):
        target = None  # NumPy rejects the index: any value shows it
    if target is None or advanced:
        # Repeated integer indexes leave the written element unspecified on GPUs: a scalar only.
        value = sample(dtype, (1,), 3)[0].item()
    else:
        value = sample(dtype, data.draw(value_shapes(target)), 3)

    def body(xp):
        a = xp.asarray(sample(dtype, shape))
        a[_on(xp, index)] = _on(xp, value)
        return a

    compare(body, device)


@on_devices
@given(case=index_cases(), extra=st.integers(1, 3))
def test_setitem_rejects_values_that_do_not_broadcast(device, case, extra):
    shape, index, _ = case

    def body(xp):
        a = xp.asarray(sample("float64", shape))
        a[_on(xp, index)] = xp.asarray(sample("float64", (extra + 1, 7)))
        return a

    compare(body, device)
