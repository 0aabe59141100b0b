"""The device layer: browser-safe limits, buffer pooling, pipeline caching, batched submits."""
import numpy as np

from engine.backends.webgpu.device import SPEC_DEFAULT_LIMITS, grid_1d, size_class


def test_native_device_runs_under_browser_default_limits(B):
    limits = B.get_device().adapter.limits
    for key in ("max-compute-invocations-per-workgroup", "max-compute-workgroup-storage-size",
                "max-storage-buffer-binding-size", "max-storage-buffers-per-shader-stage"):
        assert limits[key] == SPEC_DEFAULT_LIMITS[key]


def test_size_classes_and_grids():
    assert size_class(1) == 256 and size_class(257) == 512 and size_class(65536) == 65536
    assert size_class(100_000) == 16384 * 7  # large buffers round up by eighths of a power of two
    assert grid_1d(10) == (10, 1, 1)
    x, y, _ = grid_1d(200_000)
    assert x <= 65535 and x * y >= 200_000


def test_freed_buffers_are_reused(B):
    dev = B.get_device()
    x = B.from_numpy(np.ones(1000, np.float32))
    B.to_numpy(B.mul(B.add(x, 1.0), 2.0))  # warm: the pool now holds what this pattern needs
    before = dev.memory_stats()["buffers"]
    for _ in range(20):
        B.to_numpy(B.mul(B.add(x, 1.0), 2.0))
    assert dev.memory_stats()["buffers"] == before


def test_dispatches_batch_into_one_submit_until_a_read(B):
    dev = B.get_device()
    x = B.from_numpy(np.ones(64, np.float32))
    start = dev.memory_stats()
    y = x
    for _ in range(50):
        y = B.add(y, 1.0)
    mid = dev.memory_stats()
    assert mid["submits"] == start["submits"] and mid["dispatches"] == start["dispatches"] + 50
    assert B.to_numpy(y)[0] == 51.0
    assert dev.memory_stats()["submits"] == start["submits"] + 1


def test_pipelines_compile_once(B):
    dev = B.get_device()
    x = B.from_numpy(np.ones(8, np.float32))
    y = B.from_numpy(np.ones((3, 5), np.float32))
    B.to_numpy(B.sub(x, x))                                             # the flat (vec4) kernel
    B.to_numpy(B.sub(B.permute(y, (1, 0)), B.getitem(y, (slice(None, None, -1), 0))))  # strided
    count = dev.memory_stats()["pipelines"]
    # Other shapes and layouts only change the kernels' parameters, not their code.
    B.to_numpy(B.sub(y, y))
    B.to_numpy(B.sub(B.getitem(y, (slice(None, None, 2),)), B.getitem(y, (0,))))
    assert dev.memory_stats()["pipelines"] == count


def test_host_write_waits_for_earlier_kernels_on_a_recycled_buffer(B):
    # y's buffer returns to the pool while a recorded kernel still reads it; the next upload
    # takes that buffer, and must not land before the kernel ran.
    x = B.from_numpy(np.full(256, 3.0, np.float32))
    y = B.add(x, 1.0)
    z = B.mul(y, 2.0)
    del y
    w = B.from_numpy(np.zeros(256, np.float32))
    assert B.to_numpy(z)[0] == 8.0 and B.to_numpy(w)[0] == 0.0


def test_round_trip_dtypes(B):
    for x in [np.arange(6, dtype=np.float32).reshape(2, 3), np.array([True, False]), np.arange(-3, 3),
              np.arange(4, dtype=np.int32), np.zeros((0, 2), np.float32), np.float32(2.5)]:
        back = B.to_numpy(B.from_numpy(x))
        assert back.dtype == np.asarray(x).dtype and np.array_equal(back, x)


def test_arrays_dying_in_garbage_cycles_leave_usable_buffers(B):
    # A storage freed by the cycle collector must not hand a finalized buffer back to the pool.
    import gc

    class Holder:
        pass

    for _ in range(4):
        holder = Holder()
        holder.cycle = holder
        holder.array = B.add(B.from_numpy(np.ones(300, np.float32)), 1.0)
    del holder
    gc.collect()
    fresh = [B.add(B.from_numpy(np.ones(300, np.float32)), 2.0) for _ in range(4)]
    assert [B.to_numpy(f)[0] for f in fresh] == [3.0] * 4


def test_many_arrays_come_back_with_one_read(B):
    dev = B.get_device()
    x = B.from_numpy(np.arange(12, dtype=np.float32).reshape(3, 4))
    arrays = [B.mul(x, 2.0), B.permute(x, (1, 0)), B.gt(x, 5.0), B.from_numpy(np.arange(-2, 3)),
              B.from_numpy(np.zeros((0, 3), np.float32)), B.sum(x, None, False)]
    expected = [np.arange(12.0).reshape(3, 4) * 2, np.arange(12.0).reshape(3, 4).T, np.arange(12).reshape(3, 4) > 5,
                np.arange(-2, 3), np.zeros((0, 3)), np.array(66.0)]
    reads = dev.memory_stats()["reads"]
    got = B.to_numpy_many(arrays)
    assert dev.memory_stats()["reads"] == reads + 1
    for g, e, a in zip(got, expected, arrays):
        assert g.shape == e.shape and g.dtype == a.dtype
        np.testing.assert_array_equal(g, e)


def test_adapter_info_says_whether_it_is_software(B):
    from engine.backends.webgpu.device import describe
    info = B.adapter_info()
    assert set(info) == {"vendor", "architecture", "device", "description", "label", "is_fallback"}
    assert info["label"] and isinstance(info["is_fallback"], bool)
    if any(name in info["label"].lower() for name in ("llvmpipe", "swiftshader")):   # no GPU: software
        assert info["is_fallback"], info
    assert describe("google", "swiftshader", "", "", False) == {
        "vendor": "google", "architecture": "swiftshader", "device": "", "description": "", "label": "SwiftShader",
        "is_fallback": True}
    assert not describe("nvidia", "ampere", "NVIDIA GeForce RTX 3060", "", False)["is_fallback"]
    assert describe("apple", "common-3", "", "", True)["is_fallback"]


def test_a_lost_device_is_replaced_by_a_new_one_when_next_asked_for(B):
    import engine as torch
    old = B.get_device()
    try:
        old.adapter.lost_reason = "destroyed by the test"   # what a read-back that found the loss notes
        new = B.get_device()
        assert new is not old and new.adapter.lost_reason is None
        x = torch.tensor([1.0, 2.0], device="webgpu")
        assert (x * 3).tolist() == [3.0, 6.0]               # works on the new device
    finally:
        del old.adapter.lost_reason                          # (back to the class default: not lost)
        B._state["device"] = old


def test_values_can_be_awaited_instead_of_waited_for(B):
    import asyncio
    import sys
    from concurrent.futures import ThreadPoolExecutor

    import engine as torch

    def awaited(coroutine):
        if sys.platform == "emscripten":   # (Pyodide has no threads)
            return asyncio.run(coroutine)
        # natively in a thread of its own: the browser tests before this one leave Playwright's loop here
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, coroutine).result()
    x = torch.arange(6, dtype=torch.float32, device="webgpu").reshape(2, 3) * 2
    assert awaited(torch.webgpu.to_numpy_async(x)).tolist() == [[0, 2, 4], [6, 8, 10]]
    assert awaited(torch.webgpu.to_numpy_async(x.cpu())).tolist() == [[0, 2, 4], [6, 8, 10]]
