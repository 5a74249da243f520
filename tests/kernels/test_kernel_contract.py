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
