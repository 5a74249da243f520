"""Data-parallel training: 2 MPI ranks against 1 process on the combined batch, the collectives,
the sampler, SyncBatchNorm, no_sync, unused parameters, and the failure path. The multi-rank tests
start ``mpirun`` (skipped where mpi4py or mpirun is missing: pip install ".[distributed]")."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import i2dl.distributed as dist

HERE = Path(__file__).parent


def _mpirun():
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return None
    local = Path(sys.executable).with_name("mpirun")
    return str(local) if local.exists() else shutil.which("mpirun")


MPIRUN = _mpirun()
needs_mpi = pytest.mark.skipif(MPIRUN is None, reason="mpi4py and mpirun needed: pip install '.[distributed]'")


def run(script, *args, n=2, timeout=120):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    for k in [k for k in env if k.startswith(("OMPI_", "PMIX_", "PMI_"))]:   # a clean launch, even from inside one
        env.pop(k)
    cmd = [MPIRUN, "--allow-run-as-root", "--oversubscribe", "-n", str(n), sys.executable, str(HERE / script), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)


@needs_mpi
@pytest.mark.parametrize("model", ["mlp", "cnn"])
@pytest.mark.parametrize("opt", ["sgd", "adam"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_two_ranks_train_what_one_process_trains_on_the_combined_batch(tmp_path, model, opt, dtype):
    one = subprocess.run([sys.executable, str(HERE / "ddp_worker.py"), str(tmp_path), model, opt, dtype],
                         capture_output=True, text=True, timeout=120, env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert one.returncode == 0, one.stderr[-2000:]
    two = run("ddp_worker.py", str(tmp_path), model, opt, dtype)
    assert two.returncode == 0, two.stderr[-2000:]
    a, b = np.load(tmp_path / f"{model}-{opt}-{dtype}-w1.npz"), np.load(tmp_path / f"{model}-{opt}-{dtype}-w2.npz")
    assert set(a.files) == set(b.files)
    tol = 1e-12 if dtype == "float64" else 1e-6
    for k in a.files:
        np.testing.assert_allclose(b[k], a[k], rtol=tol, atol=tol, err_msg=k)


@needs_mpi
def test_collectives_sampler_no_sync_and_unused_parameters():
    res = run("collectives_worker.py")
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert res.stdout.count(": ok") == 2


@needs_mpi
def test_a_rank_that_raises_stops_the_others():
    res = run("failing_worker.py", timeout=60)
    assert res.returncode != 0
    assert "rank 1 failed on purpose" in res.stderr and "rank 1 raised RuntimeError; stopping all 2 ranks" in res.stderr


def test_one_process_without_a_launcher_is_world_size_one(monkeypatch):
    for k in [k for k in os.environ if k.startswith(("OMPI_", "PMIX_", "PMI_", "SLURM_"))]:
        monkeypatch.delenv(k)
    if dist.is_initialized():
        dist.destroy_process_group()
    dist.init_process_group()
    try:
        assert dist.get_rank() == 0 and dist.get_world_size() == 1 and dist.is_initialized()
        a = np.arange(3.0)
        dist.all_reduce(a)
        np.testing.assert_array_equal(a, np.arange(3.0))
        assert dist.all_gather_object("x") == ["x"]
        with pytest.raises(RuntimeError, match=r"already initialised"):
            dist.init_process_group()
        with pytest.raises(ValueError, match=r"argument 'op' must be a ReduceOp"):
            dist.all_reduce(a, "mean")
        with pytest.raises(ValueError, match=r"argument 'tensor' must be contiguous"):
            dist.all_reduce(np.zeros((4, 4))[:, 1])
        with pytest.raises(ValueError, match=r"argument 'world_size' is 2, the launcher started 1"):
            dist.destroy_process_group()
            dist.init_process_group(world_size=2)
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    with pytest.raises(ValueError, match=r"argument 'backend' must be 'mpi' or 'nccl', got 'gloo'"):
        dist.init_process_group("gloo")
    with pytest.raises(RuntimeError, match=r"call i2dl.distributed.init_process_group\(\) first"):
        dist.barrier()


@pytest.mark.parametrize("n,world,drop_last", [(10, 3, False), (10, 3, True), (9, 3, False), (5, 4, False)])
def test_sampler_follows_pytorchs_rule(n, world, drop_last):
    shares = [list(dist.DistributedSampler(range(n), world, r, shuffle=False, drop_last=drop_last)) for r in range(world)]
    size = (n // world) if drop_last else -(-n // world)
    assert all(len(s) == size for s in shares)
    flat = [i for col in zip(*shares) for i in col]        # rank r took every world-th index from r
    if drop_last:
        assert flat == list(range(size * world))
    else:
        assert flat == (list(range(n)) * 2)[:size * world]   # padded by repeating from the start
    s = dist.DistributedSampler(range(n), world, 0, shuffle=True, seed=5)
    s.set_epoch(0)
    first = list(s)
    s.set_epoch(1)
    assert list(s) != first or n < 4
    with pytest.raises(ValueError, match=r"argument 'rank' must be in \[0, 3\), got 3"):
        dist.DistributedSampler(range(n), 3, 3)


@needs_mpi
def test_cli_trains_data_parallel_and_resumes_with_another_world_size(tmp_path):
    pytest.importorskip("sklearn")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    for k in [k for k in env if k.startswith(("OMPI_", "PMIX_", "PMI_"))]:
        env.pop(k)
    out = str(tmp_path / "run")
    base = [sys.executable, "-m", "i2dl", "train", "--distributed", "--model", "lenet-bn", "--out", out]
    two = subprocess.run([MPIRUN, "--allow-run-as-root", "--oversubscribe", "-n", "2", *base, "--epochs", "2"],
                         capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert two.returncode == 0, two.stderr[-2000:]
    assert two.stdout.count("test accuracy: ") == 1 and two.stdout.count("epoch  2/2") == 1   # rank 0 alone prints
    assert (tmp_path / "run.checkpoint.safetensors").exists()
    one = subprocess.run([MPIRUN, "--allow-run-as-root", "--oversubscribe", "-n", "1", *base, "--epochs", "3",
                          "--resume", out], capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert one.returncode == 0, one.stderr[-2000:]
    assert "after epoch 2" in one.stdout and "epoch  3/3" in one.stdout
    odd = subprocess.run([MPIRUN, "--allow-run-as-root", "--oversubscribe", "-n", "2", *base, "--epochs", "1",
                          "--batch-size", "33"], capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert odd.returncode != 0 and "--batch-size 33 (the global batch) must be a multiple of the 2 ranks" in odd.stderr
