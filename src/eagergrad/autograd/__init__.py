"""eagergrad.autograd: backward, grad, grad modes, custom Functions and gradient checks."""

from .anomaly_mode import (
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
)
from .engine import backward, grad
from .function import Function, FunctionCtx, Node, once_differentiable
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .retention import (
    GraphRetentionWarning,
    is_warn_graph_retention_enabled,
    set_warn_graph_retention,
)

__all__ = [
    "backward", "grad", "Function", "FunctionCtx", "Node", "once_differentiable",
    "no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
    "is_inference_mode_enabled", "gradcheck", "gradgradcheck", "GradcheckError",
    "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled",
    "GraphRetentionWarning", "set_warn_graph_retention", "is_warn_graph_retention_enabled",
]
