"""Gradients of numpy.fft: every transform with n/s/axes/norm, real and complex inputs, shifts.

The transforms are linear, so their second derivative is zero and the order-2 check needs a
gradient that depends on the input: each case squares the transform's result (``_sq``), which
runs the transform's VJP again in the double backward pass.
"""

import numpy

import dnp as np
from tests.grad_check import grad_case, gradient_test, raised

rng = numpy.random.default_rng(0)
R1 = rng.standard_normal(6)
R1o = rng.standard_normal(7)
C1 = rng.standard_normal(6) + 1j * rng.standard_normal(6)
R2 = rng.standard_normal((4, 5))
C2 = rng.standard_normal((4, 5)) + 1j * rng.standard_normal((4, 5))
R3 = rng.standard_normal((3, 4, 5))
C3 = rng.standard_normal((3, 4, 5)) + 1j * rng.standard_normal((3, 4, 5))
H1 = rng.standard_normal(5) + 1j * rng.standard_normal(5)  # half spectra
H2 = rng.standard_normal((4, 5)) + 1j * rng.standard_normal((4, 5))


def _case(name, inputs, **kw):
    """Cases for fft.<name> with each keyword set in ``kw`` (an id per variant)."""
    fn = getattr(np.fft, name)
    return [
        grad_case(f"fft.{name}", lambda x, o=opts: raised(fn(x, **o), 2), x, id=f"{name}-{i}")
        for i, (x, opts) in enumerate(inputs)
    ]


NORMS = [{}, {"norm": "ortho"}, {"norm": "forward"}, {"norm": "backward"}]
ONE_D = [
    (C1, {}),
    (R1, {}),
    (C1, {"n": 9}),
    (C1, {"n": 4}),
    (C2, {"axis": 0, "norm": "ortho"}),
    (R2, {"axis": 0, "n": 3, "norm": "forward"}),
]
ND = [
    (C3, {}),
    (R3, {"axes": (0, 2)}),
    (C3, {"s": (5, 3), "axes": (2, 0), "norm": "ortho"}),
    (C2, {"s": (3, 7), "axes": (0, 1), "norm": "forward"}),
]
TWO_D = [(C2, {}), (R3, {"axes": (0, 2), "norm": "ortho"}), (C2, {"s": (6, 3), "axes": (0, 1)})]
REAL_1D = [
    (R1, {}),
    (R1o, {}),
    (R1, {"n": 9}),
    (R1o, {"n": 4, "norm": "ortho"}),
    (R2, {"axis": 0, "norm": "forward"}),
    (R1, {"norm": "backward"}),
]
REAL_ND = [
    (R3, {}),
    (R2, {"s": (3, 7), "axes": (0, 1), "norm": "ortho"}),
    (R3, {"axes": (2, 0), "norm": "forward"}),
    (R3, {"s": (4, 3, 6), "axes": (0, 1, 2)}),
]
HALF_1D = [
    (H1, {}),
    (H1, {"n": 9}),
    (H1, {"n": 4, "norm": "ortho"}),
    (H2, {"axis": 0, "norm": "forward"}),
    (H1.real, {}),
]
HALF_ND = [
    (H2, {}),
    (C3, {"axes": (1, 2), "s": (3, 7), "norm": "ortho"}),
    (C3, {"axes": (0, 2), "norm": "forward"}),
    (C3, {"s": (2, 5, 5), "axes": (0, 1, 2)}),
]

GRAD_CASES = [
    *_case("fft", ONE_D + [(C1, n) for n in NORMS]),
    *_case("ifft", ONE_D + [(C1, n) for n in NORMS]),
    *_case("fftn", ND),
    *_case("ifftn", ND),
    *_case("fft2", TWO_D),
    *_case("ifft2", TWO_D),
    *_case("rfft", REAL_1D + [(R1o, n) for n in NORMS]),
    *_case("ihfft", REAL_1D + [(R1o, n) for n in NORMS]),
    *_case("rfftn", REAL_ND),
    *_case("rfft2", REAL_ND[:2]),
    *_case("irfft", HALF_1D + [(H1, n) for n in NORMS]),
    *_case("hfft", HALF_1D + [(H1, n) for n in NORMS]),
    *_case("irfftn", HALF_ND),
    *_case("irfft2", HALF_ND[:3]),
    *_case("fftshift", [(C1, {}), (R3, {"axes": (0, 2)}), (R1o, {"axes": 0})]),
    *_case("ifftshift", [(C1, {}), (R3, {"axes": (0, 2)}), (R1o, {"axes": 0})]),
]

test_gradients = gradient_test(GRAD_CASES)
