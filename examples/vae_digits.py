"""A variational autoencoder of binarised digits, written as in ZhuSuan.

    python examples/vae_digits.py [epochs]

scikit-learn's 8x8 digits, pixels binarised at >= 8, split by ``default_rng(0).permutation``
into 1500 training and 297 test images. The generative model is z ~ N(0, I) (8 dimensions),
x ~ Bernoulli(decoder(z)) with a 8-128-128-64 decoder; the variational posterior is
q(z | x) = N(encoder(x)) with a 64-128-128 encoder. ``zs.variational.elbo(...).sgvb()`` is
``infer.elbo(...).sgvb()``; the step, its gradient and Adam's update are replayed by ``dnp.jit``.
Prints the test ELBO (nats per image) every few epochs.
"""

import sys
import time
from pathlib import Path

import numpy
from sklearn.datasets import load_digits

# Run from a checkout without installing: the repository root holds the dnp package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import dnp  # noqa: E402
from dnp import infer  # noqa: E402

Z, H, BATCH = 8, 128, 100


def dense(w, b, x):
    return x @ w + b


@infer.meta_bayesian_net(scope="gen")
def build_gen(p, n):
    bn = infer.BayesianNet()
    z = bn.normal("z", dnp.zeros((n, Z)), std=1.0, group_ndims=1)
    h = dnp.tanh(dense(p["w1"], p["b1"], dnp.tanh(dense(p["w0"], p["b0"], z))))
    bn.bernoulli("x", logits=dense(p["w2"], p["b2"], h), group_ndims=1)
    return bn


@infer.meta_bayesian_net(scope="q")
def build_q(p, x):
    bn = infer.BayesianNet()
    h = dnp.tanh(dense(p["v1"], p["c1"], dnp.tanh(dense(p["v0"], p["c0"], x))))
    bn.normal("z", dense(p["vm"], p["cm"], h), logstd=dense(p["vs"], p["cs"], h), group_ndims=1)
    return bn


def elbo(p, x):
    """The mean ELBO of the images ``x`` (one draw of z per image)."""
    model, variational = build_gen(p, x.shape[0]), build_q(p, x).observe()
    return dnp.mean(infer.elbo(model, {"x": x}, variational=variational).tensor)


def init(rng):
    shapes = {"w0": (Z, H), "w1": (H, H), "w2": (H, 64), "v0": (64, H), "v1": (H, H)}
    shapes.update(vm=(H, Z), vs=(H, Z))
    p = {k: rng.normal(0.0, 1.0 / numpy.sqrt(s[0]), s) for k, s in shapes.items()}
    for w, b in [("w0", "b0"), ("w1", "b1"), ("w2", "b2"), ("v0", "c0"), ("v1", "c1")]:
        p[b] = numpy.zeros(shapes[w][1])
    p["cm"], p["cs"] = numpy.zeros(Z), numpy.zeros(Z)
    return {k: dnp.asarray(v) for k, v in p.items()}


def main(epochs: int = 100) -> None:
    digits = (load_digits().data >= 8).astype(float)
    order = numpy.random.default_rng(0).permutation(len(digits))
    train, test = dnp.asarray(digits[order[:1500]]), dnp.asarray(digits[order[1500:]])
    params = init(numpy.random.default_rng(1))
    adam = dnp.optim.Adam(1e-3)
    state = adam.init(params)
    loss_and_grad = dnp.autograd.value_and_grad(lambda p, x: -elbo(p, x))

    @dnp.jit
    def step(p, s, x):
        loss, grads = loss_and_grad(p, x)
        adam.update(p, grads, s)
        return loss

    infer.set_rng_seed(0)  # ZhuSuan draws from TF's global generator: here, dnp.infer's
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        for i in range(0, 1500, BATCH):
            step(params, state, train[i : i + BATCH])
        if epoch % max(epochs // 10, 1) == 0 or epoch == epochs:
            test_elbo = float(dnp.mean(dnp.stack([elbo(params, test) for _ in range(10)])))
            seconds = time.perf_counter() - start
            print(f"epoch {epoch:4d}: test ELBO {test_elbo:8.3f} nats  ({seconds:.1f} s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
