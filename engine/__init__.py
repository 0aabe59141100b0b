"""A PyTorch-compatible tensor and autograd library on numpy (and WebGPU): `import engine as torch`."""
