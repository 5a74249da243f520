"""The reference against central differences in float64: for L = sum(y * r), the reference
backward given dy = r must equal dL/dinput computed numerically."""
import numpy as np
import pytest

from i2dl import kernels
from i2dl.gradcheck import central_difference
from i2dl.kernels.registry import REGISTRY

CASES = [(spec, i) for spec in REGISTRY for i in range(len(spec.samples(np.random.default_rng(0))))]


@pytest.mark.parametrize("spec,index", CASES, ids=[f"{s.name}-{i}" for s, i in CASES])
def test_reference_backward_matches_numerical_gradient(spec, index):
    rng = np.random.default_rng(7 + index)
    sample = spec.samples(rng)[index]
    if not sample.numerically_checkable:
        pytest.skip(f"{spec.name} [{sample.desc}]: beyond central differences; cross-checked against the reference")
    ref = kernels.get("reference")
    inputs = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in sample.inputs.items()}
    y, saved = spec.call_forward(ref, inputs, sample.params)
    r = rng.standard_normal(y.shape)
    grads = spec.call_backward(ref, spec.backward_inputs(inputs, saved, r), sample.params)
    loss = lambda: float(np.sum(spec.call_forward(ref, inputs, sample.params)[0] * r))
    for name, g in grads.items():
        a = inputs[name]
        picks = rng.choice(a.size, size=min(a.size, 25), replace=False)
        num = np.array([central_difference(loss, a, j) for j in picks])
        np.testing.assert_allclose(g.reshape(-1)[picks], num, rtol=1e-6, atol=1e-7,
                                   err_msg=f"{spec.name} [{sample.desc}] d{name}")
