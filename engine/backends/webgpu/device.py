"""The GPU device as the kernels see it: pooled buffers, cached pipelines, batched dispatches.

One `Device` wraps one adapter (wgpu-py natively, `navigator.gpu` in Pyodide). Adapters only
know raw WebGPU calls; everything that makes a training step cheap lives here, shared by both:

- buffers come from a pool keyed by size class, and go back to it when the last array viewing
  them is garbage (so a training loop reaches a steady state with no new allocations);
- a pipeline is compiled once per distinct WGSL source;
- dispatches are recorded in Python and encoded into one command buffer, submitted only when
  values are read back, a host write must be ordered after them, or the batch is full.
"""
import math

# Every kernel binds its small parameter block (shapes, strides, scalars) from one uniform
# buffer shared by the batch; each block starts on the WebGPU uniform-offset alignment.
PARAMS_ALIGN = 256
MAX_BATCH = 2048
MIN_BUFFER_BYTES = 256
MAX_WORKGROUPS_PER_DIM = 65535

# What every browser grants (the WebGPU spec defaults). Native adapters would give more; asking
# for exactly these makes a kernel that passes natively also valid in a browser.
SPEC_DEFAULT_LIMITS = {
    "max-compute-invocations-per-workgroup": 256,
    "max-compute-workgroup-size-x": 256,
    "max-compute-workgroup-size-y": 256,
    "max-compute-workgroup-size-z": 64,
    "max-compute-workgroup-storage-size": 16384,
    "max-compute-workgroups-per-dimension": 65535,
    "max-storage-buffer-binding-size": 134217728,
    "max-buffer-size": 268435456,
    "max-storage-buffers-per-shader-stage": 8,
    "max-uniform-buffer-binding-size": 65536,
    "max-bind-groups": 4,
    "min-storage-buffer-offset-alignment": 256,
    "min-uniform-buffer-offset-alignment": 256,
}
MAX_BINDING_BYTES = SPEC_DEFAULT_LIMITS["max-storage-buffer-binding-size"]


# Software rasterizers (by the names adapters report) that may not flag themselves as fallback
# adapters: WebGPU on them is an emulation on the CPU, slower than computing on the CPU directly.
SOFTWARE_RENDERERS = {"swiftshader": "SwiftShader", "llvmpipe": "llvmpipe", "lavapipe": "lavapipe",
                      "softpipe": "softpipe", "microsoft basic render": "Microsoft Basic Render Driver"}


def describe(vendor, architecture, device, description, reported_fallback):
    """What an adapter says about itself, as the `adapter_info()` dict: its vendor, architecture,
    device and description strings, a short `label` for people, and `is_fallback`: True for a
    software (CPU) implementation, whether the adapter reports itself so or is a known software
    renderer."""
    fields = {"vendor": vendor or "", "architecture": architecture or "", "device": device or "",
              "description": description or ""}
    text = " ".join(fields.values()).lower()
    software = next((name for key, name in SOFTWARE_RENDERERS.items() if key in text), None)
    label = (fields["device"] or fields["description"] or software
             or " ".join(x for x in (fields["vendor"], fields["architecture"]) if x) or "WebGPU adapter")
    return {**fields, "label": label, "is_fallback": bool(reported_fallback or software)}


def size_class(nbytes):
    """Round a request up so that buffers of similar sizes are interchangeable in the pool."""
    if nbytes <= MIN_BUFFER_BYTES:
        return MIN_BUFFER_BYTES
    top = 1 << (nbytes - 1).bit_length()
    if top <= 65536:
        return top
    step = top // 8  # large buffers: at most 12.5% waste instead of up to 50%
    return -(-nbytes // step) * step


def grid_1d(workgroups):
    """Spread a 1-D workgroup count over x and y (each at most 65535); kernels fold it back."""
    if workgroups <= MAX_WORKGROUPS_PER_DIM:
        return (max(workgroups, 1), 1, 1)
    rows = math.ceil(workgroups / MAX_WORKGROUPS_PER_DIM)
    return (math.ceil(workgroups / rows), rows, 1)


class Storage:
    """A pooled GPU buffer; arrays (and views of them) share one, and its death frees the buffer.

    It names its buffer by an id into the device's registry rather than holding the buffer
    object: a Storage that dies inside a garbage cycle would otherwise take the buffer object
    (and its driver finalizer) with it, even as it hands the buffer back to the pool.
    """
    __slots__ = ("device", "buffer_id", "nbytes", "__weakref__")

    def __init__(self, device, buffer_id, nbytes):
        self.device = device
        self.buffer_id = buffer_id
        self.nbytes = nbytes

    def __del__(self):
        device = self.device
        if device is not None:
            device.release(self)


class Device:
    def __init__(self, adapter):
        self.adapter = adapter
        self.name = adapter.name
        self.info = adapter.info
        self._buffers = {}              # buffer id -> the adapter's buffer object
        self._next_id = 0
        self._pool = {}                 # size class -> [free buffer id, ...]
        self._pipelines = {}            # WGSL source -> compiled pipeline
        self._records = []              # (pipeline, params offset, params size, buffers, grid)
        self._params = bytearray()
        self._params_buffer = adapter.create_uniform_buffer(PARAMS_ALIGN * MAX_BATCH)
        self.buffers = 0                # live GPU buffers (in use or pooled) and their bytes
        self.buffer_bytes = 0
        self.in_use = 0
        self.submits = 0
        self.dispatches = 0
        self.reads = 0

    # ---- memory ----------------------------------------------------------------------------
    def alloc(self, nbytes):
        if nbytes > MAX_BINDING_BYTES:
            raise RuntimeError(
                f"webgpu: a tensor of {nbytes} bytes exceeds WebGPU's 128 MiB per-buffer binding limit")
        cls = size_class(nbytes)
        free = self._pool.get(cls)
        if free:
            buffer_id = free.pop()
        else:
            buffer_id = self._next_id
            self._next_id += 1
            self._buffers[buffer_id] = self.adapter.create_buffer(cls)
            self.buffers += 1
            self.buffer_bytes += cls
        self.in_use += 1
        return Storage(self, buffer_id, cls)

    def release(self, storage):
        self._pool.setdefault(storage.nbytes, []).append(storage.buffer_id)
        self.in_use -= 1

    def memory_stats(self):
        pooled = sum(len(b) for b in self._pool.values())
        pooled_bytes = sum(cls * len(b) for cls, b in self._pool.items())
        return {"buffers": self.buffers, "bytes": self.buffer_bytes, "in_use": self.in_use,
                "pooled": pooled, "pooled_bytes": pooled_bytes,
                "pipelines": len(self._pipelines), "submits": self.submits,
                "dispatches": self.dispatches, "reads": self.reads}

    # ---- kernels ---------------------------------------------------------------------------
    def pipeline(self, source):
        pipeline = self._pipelines.get(source)
        if pipeline is None:
            pipeline = self._pipelines[source] = self.adapter.compile(source)
        return pipeline

    def dispatch(self, pipeline, params, storages, grid):
        """Record one dispatch; `params` is the kernel's uniform block, `storages` its buffers."""
        if len(self._records) == MAX_BATCH:
            self.flush()
        offset = len(self._params)
        self._params += params
        self._params += bytes(-len(self._params) % PARAMS_ALIGN)
        self._records.append((pipeline, offset, len(params),
                              [self._buffers[s.buffer_id] for s in storages], grid))
        self.dispatches += 1

    def flush(self):
        if not self._records:
            return
        records, self._records = self._records, []
        params, self._params = self._params, bytearray()
        self.adapter.write_buffer(self._params_buffer, 0, params)
        self.adapter.submit(records, self._params_buffer)
        self.submits += 1

    # ---- host transfers --------------------------------------------------------------------
    def write(self, storage, data):
        # queue.writeBuffer runs before not-yet-submitted work: submit that work first so a
        # recycled buffer is not overwritten while an earlier kernel still has to read it.
        self.flush()
        self.adapter.write_buffer(self._buffers[storage.buffer_id], 0, data)

    def read(self, storage, offset, nbytes):
        self.flush()
        self.reads += 1
        return self.adapter.read_buffer(self._buffers[storage.buffer_id], offset, nbytes)

    def read_many(self, ranges):
        """Bytes of several (storage, offset, nbytes) ranges, read back with one wait for all."""
        self.flush()
        self.reads += 1
        data = self.adapter.read_buffers([(self._buffers[s.buffer_id], offset, nbytes)
                                          for s, offset, nbytes in ranges])
        out, at = [], 0
        for _, _, nbytes in ranges:
            out.append(data[at:at + nbytes])
            at += nbytes
        return out

    async def read_async(self, storage, offset, nbytes):
        self.flush()
        self.reads += 1
        return await self.adapter.read_buffer_async(self._buffers[storage.buffer_id], offset, nbytes)
