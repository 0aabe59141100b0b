"""torch.backends.cuda: CUDA's switches (TF32 matmuls, attention kernels). This engine has no CUDA;
the switches are kept as PyTorch's CPU build keeps them, so code that sets them runs unchanged.
They change nothing here."""

_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True, "fp16_bf16_reduction_math": False}


class cuBLASModule:
    """torch.backends.cuda.matmul: its flags, and an AttributeError for any other name. allow_tf32 is
    the legacy spelling of fp32_precision == "tf32" (setting it False makes the precision "ieee")."""
    __slots__ = ("allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction",
                 "allow_fp16_accumulation", "fp32_precision")

    def __init__(self):
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True
        self.allow_fp16_accumulation = False
        self.fp32_precision = "none"

    @property
    def allow_tf32(self):
        return self.fp32_precision == "tf32"

    @allow_tf32.setter
    def allow_tf32(self, value):
        self.fp32_precision = "tf32" if value else "ieee"

    def __setattr__(self, name, value):
        if name not in self.__slots__ and name != "allow_tf32":
            raise AttributeError("Unknown attribute " + name)
        object.__setattr__(self, name, value)

    def __getattr__(self, name):
        raise AttributeError("Unknown attribute " + name)


matmul = cuBLASModule()


def is_built():
    """False: built without CUDA."""
    return False


def is_flash_attention_available():
    """False: no flash attention kernel."""
    return False


def flash_sdp_enabled():
    return _sdp["flash"]


def enable_flash_sdp(enabled):
    _sdp["flash"] = enabled


def mem_efficient_sdp_enabled():
    return _sdp["mem_efficient"]


def enable_mem_efficient_sdp(enabled):
    _sdp["mem_efficient"] = enabled


def math_sdp_enabled():
    return _sdp["math"]


def enable_math_sdp(enabled):
    _sdp["math"] = enabled


def cudnn_sdp_enabled():
    return _sdp["cudnn"]


def enable_cudnn_sdp(enabled):
    _sdp["cudnn"] = enabled


def fp16_bf16_reduction_math_sdp_allowed():
    return _sdp["fp16_bf16_reduction_math"]


def allow_fp16_bf16_reduction_math_sdp(enabled):
    _sdp["fp16_bf16_reduction_math"] = enabled
