"""torch.special: the special functions under their torch.special names (the same ops as torch.erf, ...)."""
from .ops import erf, erfc, exp2, expm1, log1p, log_softmax, logit, logsumexp, sigmoid as expit, softmax, xlogy

__all__ = ["erf", "erfc", "exp2", "expit", "expm1", "log1p", "log_softmax", "logit", "logsumexp", "softmax",
           "xlogy"]
