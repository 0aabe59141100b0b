"""engine.cuda: there is no CUDA here, so tutorial code that asks takes its CPU path."""


def is_available():
    return False


def device_count():
    return 0
