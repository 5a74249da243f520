"""Every backend exports every kernel name with the reference's signature."""
import inspect

import pytest

from i2dl import kernels


@pytest.mark.parametrize("backend", ["cpu", "cuda"])
def test_same_names_and_signatures(backend):
    ref, mod = kernels.get("reference"), kernels.get(backend)
    for name in kernels.KERNEL_NAMES + kernels.INPLACE_KERNEL_NAMES:
        assert hasattr(ref, name), f"reference lacks {name}"
        assert hasattr(mod, name), f"{backend} lacks {name}"
        assert inspect.signature(getattr(mod, name)) == inspect.signature(getattr(ref, name)), name


def test_registry_covers_every_kernel_name():
    from i2dl.kernels.registry import INPLACE_REGISTRY, REGISTRY
    covered = {n for spec in REGISTRY for n in (spec.forward, spec.backward)}
    assert covered == set(kernels.KERNEL_NAMES)
    assert {spec.kernel for spec in INPLACE_REGISTRY} == set(kernels.INPLACE_KERNEL_NAMES)


def test_get_rejects_unknown_backend():
    with pytest.raises(ValueError, match="argument 'name' must be one of"):
        kernels.get("tpu")


def test_i2dl_check_passes_and_reports_every_kernel():
    from i2dl.check import run_check
    lines = []
    assert run_check(seed=0, out=lines.append)
    names = {line.split()[0] for line in lines[1:-1] if not line.startswith("cuda:")}
    from i2dl.kernels.registry import INPLACE_REGISTRY, REGISTRY
    assert {s.name for s in REGISTRY + INPLACE_REGISTRY} <= names
    assert lines[-1] == "all kernels match the reference"


def test_cuda_module_binds_every_launcher_the_backend_calls():
    """The CUDA bindings register per family file; a launcher that cuda.py calls but no family binds
    would only fail on a GPU. Checked wherever the module is built (it imports without a GPU)."""
    import importlib.util
    import pathlib
    import re
    import pytest
    if importlib.util.find_spec("i2dl._C_cuda") is None:
        pytest.skip("the CUDA module is not built here")
    import i2dl._C_cuda as m
    from i2dl.kernels import cuda
    called = set(re.findall(r"\bm\.(\w+)\(", pathlib.Path(cuda.__file__).read_text()))
    assert called and called <= set(dir(m)), sorted(called - set(dir(m)))


def _generated_kernels():
    from i2dl.kernels import checks
    return sorted(name[len("check_"):] for name, f in vars(checks).items()
                  if name.startswith("check_") and getattr(f, "launches", False) is True)


def _keyword_names(bound):
    """The parameter names of a pybind11 function, from its signature line (``f(*, x: ..., n: int) -> None``)."""
    import re
    head = bound.__doc__.splitlines()[0]
    params = head[head.index("(") + 1:head.rindex(") ->")]
    return {m.group(1) for m in re.finditer(r"(\w+):", params)}


def _recorded_launches(monkeypatch, name):
    """The Launch of every registry sample of kernel ``name``, recorded from the reference's call of its check."""
    import sys
    from i2dl.kernels import checks
    from i2dl.kernels.registry import REGISTRY
    ref = kernels.get("reference")
    module = sys.modules[getattr(ref, name).__module__]
    launches, check = [], getattr(checks, "check_" + name)
    monkeypatch.setattr(module, "check_" + name, lambda *a, **k: launches.append(check(*a, **k)) or launches[-1])
    rng = np.random.default_rng(0)
    from i2dl.kernels.registry import INPLACE_REGISTRY, cast_inputs
    for spec in INPLACE_REGISTRY:
        if spec.kernel == name:
            for sample in spec.samples(rng):
                spec.call(ref, cast_inputs(sample.inputs, np.float64), sample.params)
    for spec in REGISTRY:
        if name in (spec.forward, spec.backward):
            for sample in spec.samples(rng):
                y, saved = spec.call_forward(ref, sample.inputs, sample.params)
                if name == spec.backward:
                    spec.call_backward(ref, spec.backward_inputs(sample.inputs, saved, np.ones_like(y)), sample.params)
    return launches


import numpy as np  # noqa: E402


@pytest.mark.parametrize("name", _generated_kernels())
def test_generated_adapters_pass_what_the_bindings_take(monkeypatch, name):
    """A generated adapter calls its bindings by keyword with the names its check's Launch gives: those
    must be exactly the bound parameters, on the CPU and (where built) in the CUDA module, where the
    mismatch would otherwise only show on a GPU."""
    import importlib.util
    from i2dl import _C
    launches = _recorded_launches(monkeypatch, name)
    assert launches, f"no registry sample calls {name}"
    modules = [(_C, set())]
    if importlib.util.find_spec("i2dl._C_cuda") is not None:
        import i2dl._C_cuda as m
        modules.append((m, {"dtype", "stream"}))
    from i2dl.kernels import cuda
    for module, extra in modules:
        if module is not _C and not getattr(getattr(cuda, name), "generated", False):
            continue  # cuda.py writes this adapter by hand (the recurrent steps around cuBLAS)
        bound = _keyword_names(getattr(module, name))
        for launch in launches:
            assert set(launch.arrays) | set(launch.outputs) | set(launch.sizes) | extra == bound, (module.__name__, name)
