"""MultiheadAttention, TransformerEncoderLayer and TransformerEncoder."""

from __future__ import annotations

import copy

from ..._creation import empty
from ..._ops.shape import transpose
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .activation import ReLU  # noqa: F401 - re-exported names stay in activation
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

__all__ = ["MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder"]


class NonDynamicallyQuantizableLinear(Linear):
    """torch's name for MultiheadAttention's output projection (a plain Linear)."""


class MultiheadAttention(Module):
    """Multi-head attention: ``softmax(Q K^T / sqrt(d)) V`` over ``num_heads`` heads.

    Args:
        embed_dim: model dimension E (split over heads).
        num_heads: number of heads (must divide ``embed_dim``).
        dropout: dropout on the attention weights (training only).
        bias: whether the in/out projections have biases.
        add_bias_kv: learn ``bias_k`` and ``bias_v`` (1, 1, E), appended to the projected
            keys and values as one more attendable position.
        add_zero_attn: append a zero key and value (after the projection) as one more
            attendable position.
        kdim, vdim: feature sizes of key and value (default ``embed_dim``). When either
            differs from ``embed_dim`` the projections are separate parameters
            ``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim), ``v_proj_weight``
            (E, vdim), and ``in_proj_weight`` is None.
        batch_first: inputs and outputs are (N, L, E) instead of (L, N, E).

    Parameters follow torch's layout, names and registration order (``in_proj_weight``
    (3E, E) or the three separate weights, ``in_proj_bias`` (3E), ``bias_k``, ``bias_v``,
    ``out_proj.weight``, ``out_proj.bias``), so state dicts move between the two libraries.

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False)`` returns ``(output, weights)``; bool masks
    mark positions that may *not* be attended (True = masked), float masks are added. With
    ``add_bias_kv`` or ``add_zero_attn`` the weights have one more column for each.

    Example:
        >>> import eagergrad as eg
        >>> mha = eg.nn.MultiheadAttention(8, 2, batch_first=True)
        >>> x = eg.randn(3, 5, 8)
        >>> out, w = mha(x, x, x)
        >>> out.shape, w.shape
        (eagergrad.Size([3, 5, 8]), eagergrad.Size([3, 5, 5]))
        >>> cross = eg.nn.MultiheadAttention(8, 2, kdim=4, vdim=6, add_bias_kv=True,
        ...                                  add_zero_attn=True, batch_first=True)
        >>> out, w = cross(x, eg.randn(3, 7, 4), eg.randn(3, 7, 6))
        >>> out.shape, w.shape
        (eagergrad.Size([3, 5, 8]), eagergrad.Size([3, 5, 9]))
        >>> [name for name, _ in cross.named_parameters()]
        ['q_proj_weight', 'k_proj_weight', 'v_proj_weight', 'in_proj_bias', 'bias_k', 'bias_v',
         'out_proj.weight', 'out_proj.bias']
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim=None,
        vdim=None,
        batch_first: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                f"num_heads={num_heads} instead"
            )
        kw = {"device": device, "dtype": dtype}
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        # NOTE: registration order is torch's (the unused names are registered as None), so
        # named_parameters() and state_dict() list the same keys in the same order.
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(empty(embed_dim, embed_dim, **kw))
            self.k_proj_weight = Parameter(empty(embed_dim, self.kdim, **kw))
            self.v_proj_weight = Parameter(empty(embed_dim, self.vdim, **kw))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(empty(3 * embed_dim, embed_dim, **kw))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(empty(1, 1, embed_dim, **kw))
            self.bias_v = Parameter(empty(1, 1, embed_dim, **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ):
        if self.batch_first and query.dim() == 3:
            # keeps query is key is value for the packed self-attention projection
            query, key, value = F._map_qkv(lambda t: transpose(t, 0, 1), query, key, value)
        separate = not self._qkv_same_embed_dim
        out, weights = F.multi_head_attention_forward(
            query,
            key,
            value,
            self.embed_dim,
            self.num_heads,
            self.in_proj_weight,
            self.in_proj_bias,
            self.bias_k,
            self.bias_v,
            self.add_zero_attn,
            self.dropout,
            self.out_proj.weight,
            self.out_proj.bias,
            training=self.training,
            key_padding_mask=key_padding_mask,
            need_weights=need_weights,
            attn_mask=attn_mask,
            use_separate_proj_weight=separate,
            q_proj_weight=self.q_proj_weight if separate else None,
            k_proj_weight=self.k_proj_weight if separate else None,
            v_proj_weight=self.v_proj_weight if separate else None,
            average_attn_weights=average_attn_weights,
            is_causal=is_causal,
        )
        if self.batch_first and query.dim() == 3:
            out = transpose(out, 0, 1)
        return out, weights


def _get_activation_fn(activation):
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


class TransformerEncoderLayer(Module):
    """Self-attention followed by a feed-forward block, each with residual + LayerNorm.

    Args:
        d_model: model dimension.
        nhead: number of attention heads.
        dim_feedforward: hidden size of the feed-forward block. Default: 2048.
        dropout: dropout probability. Default: 0.1.
        activation: "relu", "gelu" or a callable. Default: relu.
        layer_norm_eps: LayerNorm epsilon.
        batch_first: (N, L, E) inputs instead of (L, N, E).
        norm_first: LayerNorm before (pre-norm) instead of after each block.

    Example:
        >>> import eagergrad as eg
        >>> layer = eg.nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16,
        ...                                       batch_first=True)
        >>> layer(eg.randn(2, 5, 8)).shape
        eagergrad.Size([2, 5, 8])
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation=F.relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **kw
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str):  # torch accepts "relu" / "gelu" or a callable
            activation = _get_activation_fn(activation)
        self.activation = activation

    def forward(
        self,
        src: Tensor,
        src_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(
            x,
            x,
            x,
            attn_mask=attn_mask,
            key_padding_mask=key_padding_mask,
            need_weights=False,
            is_causal=is_causal,
        )[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


class TransformerEncoder(Module):
    """A stack of ``num_layers`` deep copies of ``encoder_layer`` (plus an optional norm).

    Example:
        >>> import eagergrad as eg
        >>> layer = eg.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
        >>> enc = eg.nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        >>> enc(eg.randn(2, 5, 8)).shape
        eagergrad.Size([2, 5, 8])
    """

    def __init__(
        self,
        encoder_layer: TransformerEncoderLayer,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        src: Tensor,
        mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool | None = None,
    ):
        out = src
        for layer in self.layers:
            out = layer(
                out,
                src_mask=mask,
                src_key_padding_mask=src_key_padding_mask,
                is_causal=bool(is_causal),
            )
        if self.norm is not None:
            out = self.norm(out)
        return out
