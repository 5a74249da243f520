"""A failed allocation is a MemoryError, never an abort: every conv path allocates its per-thread
scratch inside an OpenMP region, where an escaping exception would end the process. Each case
runs in a child process whose address space is capped just above what the call's inputs and
output need, so that the scratch (and only the scratch) cannot be had."""
import os
import subprocess
import textwrap

import pytest

from conftest import child_python

pytestmark = pytest.mark.skipif("libasan" in os.environ.get("LD_PRELOAD", ""),
                                reason="ASan reserves terabytes of address space; RLIMIT_AS cannot cap it")

CHILD = textwrap.dedent("""
    import resource, sys
    import numpy as np, i2dl
    from i2dl import kernels
    k = kernels.get('cpu')
    i2dl.set_num_threads(2)
    xs, ws, groups, padding, stride, backward = {case}
    x = np.ones(xs, np.float32)
    w = np.ones(ws, np.float32)
    # the OpenMP team and the libraries up, without touching the conv's per-thread workspaces; OpenBLAS
    # allocates its buffers on its first GEMMs and ends the process (not ours to catch) when it cannot
    k.conv2d_forward(np.ones((2, 2, 12, 12), np.float32), np.ones((2, 1, 3, 3), np.float32), None, groups=2)
    for _ in range(3):
        k.linear_backward(np.ones((128, 128), np.float32), np.ones((128, 128), np.float32), np.ones((128, 128), np.float32))
    oh = (xs[2] + 2 * padding - ws[2]) // stride + 1
    ow = (xs[3] + 2 * padding - ws[3]) // stride + 1
    dy = np.ones((xs[0], ws[0], oh, ow), np.float32)
    vm = int(open('/proc/self/status').read().split('VmSize:')[1].split()[0]) * 1024
    need = (x.nbytes if backward else dy.nbytes) + (1 << 20)   # the output and a little: no room for scratch
    resource.setrlimit(resource.RLIMIT_AS, (vm + need, resource.RLIM_INFINITY))
    try:
        if backward:
            k.conv2d_backward(dy, x, w, stride=stride, padding=padding, groups=groups)
        else:
            k.conv2d_forward(x, w, None, stride=stride, padding=padding, groups=groups)
        print('computed')
    except MemoryError as e:
        print('MemoryError', e)
""")

# (x shape, w shape, groups, padding, stride, backward) -> the path whose scratch cannot be had
CASES = {
    "depthwise": (((1, 2, 4600, 4600), (2, 1, 3, 3), 2, 1, 1, False), "forward"),
    "depthwise-backward": (((1, 2, 3000, 3000), (2, 1, 3, 3), 2, 1, 1, True), "weight_grad"),
    "small_forward": (((1, 4, 3000, 3000), (4, 2, 3, 3), 2, 1, 1, False), "forward"),
    "channel_vector": (((2, 64, 600, 600), (8, 64, 3, 3), 1, 1, 1, False), "forward"),
    "winograd": (((2, 16, 700, 700), (32, 16, 3, 3), 1, 1, 1, False), "forward"),
    "winograd-backward": (((2, 16, 700, 700), (32, 16, 3, 3), 1, 1, 1, True), "weight_grad"),
    "im2col": (((4, 32, 400, 400), (32, 32, 5, 5), 1, 2, 1, False), "forward"),
    "im2col-backward": (((4, 32, 400, 400), (32, 32, 5, 5), 1, 2, 1, True), "weight_grad"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_failed_scratch_allocation_raises_memory_error(case):
    import numpy as np
    from i2dl import _C
    (xs, ws, groups, padding, stride, backward), stage = CASES[case]
    path = _C.conv2d_algorithms(np.empty(xs, np.float32), np.empty(ws, np.float32), (stride, stride),
                                (padding, padding), (1, 1), groups)[stage]
    assert path == case.split("-")[0], f"the case takes the {path} path"
    code = CHILD.replace("{case}", repr(CASES[case][0]))
    # OpenBLAS in the child: its buffers are allocated by the warm-up GEMMs above, at a size that does not
    # grow; MKL sizes its per-thread buffers by each GEMM and allocates them later, under the cap (flaky here)
    env = {**os.environ, "I2DL_BLAS": "openblas"}
    out = subprocess.run(**child_python(code, capture_output=True, text=True, timeout=300, env=env))
    assert out.returncode == 0, f"the child died (rc {out.returncode}): {out.stderr[-1500:]}"
    assert out.stdout.startswith("MemoryError"), out.stdout + out.stderr[-1500:]


def test_scratch_sized_by_a_huge_stride_or_padding():
    """Stride 2**31 on an 8x8 input (one output: the stride is taken as the padded extent) gives the
    reference's result; padding 40000 with stride 2**20 needs padded planes of 80008^2 floats per
    thread and raises MemoryError (or fits) instead of aborting."""
    code = textwrap.dedent("""
        import numpy as np, resource
        from i2dl import kernels
        k, ref = kernels.get('cpu'), kernels.get('reference')
        x, w = np.ones((2, 3, 8, 8), np.float32), np.ones((4, 3, 3, 3), np.float32)
        assert np.array_equal(k.conv2d_forward(x, w, None, stride=2**31), ref.conv2d_forward(x, w, None, stride=2**31))
        resource.setrlimit(resource.RLIMIT_AS, (8 << 30, resource.RLIM_INFINITY))
        x, w = np.ones((2, 4, 8, 8), np.float32), np.ones((4, 1, 3, 3), np.float32)
        try:
            k.conv2d_forward(x, w, None, stride=2**20, padding=40000, groups=4)
            print('computed')
        except MemoryError:
            print('MemoryError')
    """)
    # OpenBLAS in the child: its buffers are allocated by the warm-up GEMMs above, at a size that does not
    # grow; MKL sizes its per-thread buffers by each GEMM and allocates them later, under the cap (flaky here)
    env = {**os.environ, "I2DL_BLAS": "openblas"}
    out = subprocess.run(**child_python(code, capture_output=True, text=True, timeout=300, env=env))
    assert out.returncode == 0, out.stderr[-1500:]
    assert out.stdout.strip() in ("MemoryError", "computed")
