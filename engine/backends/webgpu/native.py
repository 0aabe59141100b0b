"""The native adapter: WebGPU through the `wgpu` package (wgpu-native on Vulkan/Metal/D3D12)."""
import os
import tempfile

from .device import SPEC_DEFAULT_LIMITS, describe


def request_adapter():
    """The system's WebGPU adapter wrapped for `Device`, or None when there is none."""
    # wgpu-native (through Mesa) warns on every start when this is unset; any writable dir will do.
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())
    try:
        import wgpu
    except ImportError:
        return None
    try:
        adapter = wgpu.gpu.request_adapter_sync(power_preference="high-performance")
    except RuntimeError:
        return None
    if adapter is None:
        return None
    return NativeAdapter(wgpu, adapter)


class NativeAdapter:
    lost_reason = None   # wgpu-native raises on a lost device; the engine never reopens one here

    def __init__(self, wgpu, adapter):
        self._wgpu = wgpu
        info = adapter.info
        self.name = f"{info['device'] or info['vendor']} ({info['backend_type']}, wgpu-native)"
        self.info = describe(info["vendor"], info["architecture"], info["device"], info["description"],
                             reported_fallback=info["adapter_type"] == "CPU")
        self.device = adapter.request_device_sync(required_limits=dict(SPEC_DEFAULT_LIMITS))
        self.limits = dict(self.device.limits)
        self.queue = self.device.queue
        usage = wgpu.BufferUsage
        self._storage_usage = usage.STORAGE | usage.COPY_SRC | usage.COPY_DST
        self._read_usage = usage.MAP_READ | usage.COPY_DST
        self._uniform_usage = usage.UNIFORM | usage.COPY_DST

    def create_buffer(self, nbytes):
        return self.device.create_buffer(size=nbytes, usage=self._storage_usage)

    def create_uniform_buffer(self, nbytes):
        return self.device.create_buffer(size=nbytes, usage=self._uniform_usage)

    def write_buffer(self, buffer, offset, data):
        self.queue.write_buffer(buffer, offset, data)

    def compile(self, source):
        module = self.device.create_shader_module(code=source)
        pipeline = self.device.create_compute_pipeline(
            layout="auto", compute={"module": module, "entry_point": "main"})
        return pipeline, pipeline.get_bind_group_layout(0)

    def submit(self, records, params_buffer):
        device = self.device
        encoder = device.create_command_encoder()
        compute = encoder.begin_compute_pass()
        for (pipeline, layout), offset, size, buffers, grid in records:
            entries = [{"binding": 0, "resource": {"buffer": params_buffer, "offset": offset,
                                                   "size": size}}]
            entries += [{"binding": i, "resource": {"buffer": b, "offset": 0, "size": b.size}}
                        for i, b in enumerate(buffers, 1)]
            compute.set_pipeline(pipeline)
            compute.set_bind_group(0, device.create_bind_group(layout=layout, entries=entries))
            compute.dispatch_workgroups(*grid)
        compute.end()
        self.queue.submit([encoder.finish()])

    def read_buffer(self, buffer, offset, nbytes):
        return self.read_buffers([(buffer, offset, nbytes)])

    def read_buffers(self, ranges):
        """Several (buffer, offset, nbytes) ranges through one staging buffer: one wait for all."""
        total = sum(nbytes for _, _, nbytes in ranges)
        staging = self.device.create_buffer(size=total, usage=self._read_usage)
        encoder = self.device.create_command_encoder()
        at = 0
        for buffer, offset, nbytes in ranges:
            encoder.copy_buffer_to_buffer(buffer, offset, staging, at, nbytes)
            at += nbytes
        self.queue.submit([encoder.finish()])
        staging.map_sync(self._wgpu.MapMode.READ)
        data = bytes(staging.read_mapped())
        staging.unmap()
        staging.destroy()
        return data

    async def read_buffer_async(self, buffer, offset, nbytes):
        return self.read_buffer(buffer, offset, nbytes)
