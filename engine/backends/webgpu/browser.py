"""The browser adapter: WebGPU through `navigator.gpu`, from Pyodide (also inside a Web Worker).

Each call from Python into JavaScript costs far more than a WebGPU call itself, so a small JS
runtime (below) keeps buffers and pipelines in tables and Python names them by integer ids: a
whole batch of dispatches crosses into JavaScript once, as one Int32Array.

Waiting. WebGPU's adapter/device requests and buffer read-backs return promises. Synchronous
Python can wait on one only through JSPI (`pyodide.ffi.run_sync`), which works when Python was
entered through an async entry point (`runPythonAsync`, `callPromising`). Otherwise
`await webgpu.initialize()` opens the device and `await webgpu.to_numpy_async(a)` reads an
array; a synchronous read then fails with an error that says so.

Errors. A browser reports invalid WGSL or dispatches asynchronously, not by raising: the
runtime collects them and every read-back raises them, so a failed kernel can never pass
for a result.
"""

from .device import describe

RUNTIME_JS = r"""
(device) => {
  const buffers = new Map();
  const pipelines = [];
  const errors = [];
  let nextBuffer = 0;
  let lostReason = null;
  device.addEventListener("uncapturederror", (event) => errors.push(event.error.message));
  device.lost.then((info) => {
    lostReason = info.message || info.reason || "no reason given";
    errors.push(`device lost: ${lostReason}`);
  });
  const usage = GPUBufferUsage;
  const storageUsage = usage.STORAGE | usage.COPY_SRC | usage.COPY_DST;
  const uniformUsage = usage.UNIFORM | usage.COPY_DST;
  const words = (bytes) => new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  function raisePending() {
    if (errors.length) throw new Error("WebGPU: " + errors.splice(0).join("\n"));
  }
  return {
    lost() { return lostReason; },
    createBuffer(size, uniform) {
      buffers.set(nextBuffer, device.createBuffer({ size, usage: uniform ? uniformUsage : storageUsage }));
      return nextBuffer++;
    },
    writeBuffer(id, offset, bytes) {
      device.queue.writeBuffer(buffers.get(id), offset, bytes);
    },
    compile(code) {
      device.pushErrorScope("validation");
      const module = device.createShaderModule({ code });
      const pipeline = device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" } });
      pipelines.push([pipeline, pipeline.getBindGroupLayout(0)]);
      const id = pipelines.length - 1;
      device.popErrorScope().then((error) => { if (error) errors.push(`pipeline ${id}: ${error.message}`); });
      return id;
    },
    // records: per dispatch [pipeline, params offset, params size, n, buffer id * n, x, y, z]
    submit(paramsId, recordBytes) {
      const records = words(recordBytes);
      const params = buffers.get(paramsId);
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      for (let i = 0; i < records.length;) {
        const [pipeline, layout] = pipelines[records[i]];
        const entries = [{ binding: 0, resource: { buffer: params, offset: records[i + 1], size: records[i + 2] } }];
        const count = records[i + 3];
        i += 4;
        for (let j = 0; j < count; j++) entries.push({ binding: j + 1, resource: { buffer: buffers.get(records[i + j]) } });
        i += count;
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, device.createBindGroup({ layout, entries }));
        pass.dispatchWorkgroups(records[i], records[i + 1], records[i + 2]);
        i += 3;
      }
      pass.end();
      device.queue.submit([encoder.finish()]);
    },
    async read(id, offset, size) {
      return this.readMany([id], [offset], [size]);
    },
    // Several ranges, one after another in one staging buffer: one wait for all of them.
    async readMany(ids, offsets, sizes) {
      let size = 0;
      for (const s of sizes) size += s;
      const staging = device.createBuffer({ size, usage: usage.MAP_READ | usage.COPY_DST });
      const encoder = device.createCommandEncoder();
      for (let i = 0, at = 0; i < ids.length; at += sizes[i], i++) {
        encoder.copyBufferToBuffer(buffers.get(ids[i]), offsets[i], staging, at, sizes[i]);
      }
      device.queue.submit([encoder.finish()]);
      try {
        await staging.mapAsync(GPUMapMode.READ);
      } catch (error) {  // a lost device rejects the mapping; say why rather than "operation aborted"
        if (lostReason === null) throw error;
        errors.length = 0;
        throw new Error(`WebGPU: device lost: ${lostReason}`);
      }
      const data = new Uint8Array(staging.getMappedRange().slice(0));
      staging.destroy();
      await device.queue.onSubmittedWorkDone();  // errors of this submission are in by now
      raisePending();
      return data;
    },
  };
}
"""

SYNC_WAIT_HELP = (
    "webgpu in the browser: Python cannot wait for the GPU here, because it was entered through "
    "a synchronous entry point (JSPI needs runPythonAsync or callPromising). Open the device with "
    "`await engine.backends.webgpu.initialize()` and read values with "
    "`await engine.backends.webgpu.to_numpy_async(array)`, or enter Python asynchronously.")


def _wait(promise):
    from pyodide.ffi import run_sync
    try:
        return run_sync(promise)
    except RuntimeError as exc:
        if "stack switch" in str(exc) or "run_sync" in str(exc):
            raise RuntimeError(SYNC_WAIT_HELP) from exc
        raise


def _gpu():
    import js
    navigator = getattr(js, "navigator", None)
    return getattr(navigator, "gpu", None) if navigator is not None else None


def request_adapter():
    """The browser's WebGPU adapter wrapped for `Device` (waiting through JSPI), or None."""
    gpu = _gpu()
    if gpu is None:
        return None
    adapter = _wait(gpu.requestAdapter())
    if adapter is None:
        return None
    return BrowserAdapter(adapter, _wait(adapter.requestDevice()))


async def request_adapter_async():
    gpu = _gpu()
    if gpu is None:
        return None
    adapter = await gpu.requestAdapter()
    if adapter is None:
        return None
    return BrowserAdapter(adapter, await adapter.requestDevice())


class BrowserAdapter:
    lost_reason = None   # why the device was lost, once a read-back found it so

    def __init__(self, adapter, device):
        from pyodide.code import run_js
        info = adapter.info
        described = " ".join(str(x) for x in (info.vendor, info.architecture, info.description) if x)
        self.name = f"{described or 'WebGPU adapter'} (browser WebGPU)"
        # isFallbackAdapter moved from the adapter to its info (Chromium 1xx); either may be missing
        fallback = getattr(info, "isFallbackAdapter", None) or getattr(adapter, "isFallbackAdapter", None)
        self.info = describe(info.vendor, info.architecture, info.device, info.description,
                             reported_fallback=bool(fallback))
        self.device = device
        self.limits = {"max-compute-invocations-per-workgroup":
                       device.limits.maxComputeInvocationsPerWorkgroup,
                       "max-compute-workgroup-storage-size": device.limits.maxComputeWorkgroupStorageSize,
                       "max-storage-buffer-binding-size": device.limits.maxStorageBufferBindingSize,
                       "max-storage-buffers-per-shader-stage":
                       device.limits.maxStorageBuffersPerShaderStage}
        self._js = run_js(RUNTIME_JS)(device)

    def create_buffer(self, nbytes):
        return self._js.createBuffer(nbytes, False)

    def create_uniform_buffer(self, nbytes):
        return self._js.createBuffer(nbytes, True)

    def write_buffer(self, buffer, offset, data):
        from pyodide.ffi import to_js
        self._js.writeBuffer(buffer, offset, to_js(memoryview(bytes(data))))

    def compile(self, source):
        return self._js.compile(source)

    def submit(self, records, params_buffer):
        from array import array

        from pyodide.ffi import to_js
        words = array("i")
        for pipeline, offset, size, buffers, grid in records:
            words.extend((pipeline, offset, size, len(buffers)))
            words.extend(buffers)
            words.extend(grid)
        self._js.submit(params_buffer, to_js(memoryview(words.tobytes())))

    def read_buffer(self, buffer, offset, nbytes):
        return self._noting_loss(lambda: _wait(self._js.read(buffer, offset, nbytes)).to_bytes())

    def read_buffers(self, ranges):
        from pyodide.ffi import to_js
        ids, offsets, sizes = (to_js(list(column)) for column in zip(*ranges))
        return self._noting_loss(lambda: _wait(self._js.readMany(ids, offsets, sizes)).to_bytes())

    async def read_buffer_async(self, buffer, offset, nbytes):
        try:
            return (await self._js.read(buffer, offset, nbytes)).to_bytes()
        except Exception:
            self.lost_reason = self._js.lost()
            raise

    def _noting_loss(self, read):
        """Errors surface at read-back; one from a lost device also marks this adapter lost, so that
        the engine opens a new device when WebGPU is next asked for."""
        try:
            return read()
        except Exception:
            self.lost_reason = self._js.lost()
            raise
