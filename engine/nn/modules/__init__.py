"""The layers of torch.nn, one file per family as in PyTorch."""
from .module import Module
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
from .linear import Identity, Linear, Bilinear, NonDynamicallyQuantizableLinear
from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from .pooling import (MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d,
                      AdaptiveMaxPool1d, AdaptiveMaxPool2d, LPPool1d, LPPool2d)
from .activation import (ReLU, ReLU6, LeakyReLU, ELU, SELU, Tanh, Sigmoid, GELU, SiLU, Mish, Softplus, Softmax,
                         LogSoftmax, Softmin, Hardtanh, Hardswish, Hardsigmoid, LogSigmoid, Softsign, Tanhshrink, PReLU,
                         Threshold, GLU, MultiheadAttention, CELU, Hardshrink, Softshrink, RReLU, Softmax2d)
from .dropout import Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout, FeatureAlphaDropout
from .batchnorm import BatchNorm1d, BatchNorm2d
from .normalization import LayerNorm, GroupNorm, RMSNorm, LocalResponseNorm
from .instancenorm import InstanceNorm1d, InstanceNorm2d
from .pixelshuffle import PixelShuffle, PixelUnshuffle, ChannelShuffle
from .distance import PairwiseDistance, CosineSimilarity
from .fold import Unfold, Fold
from .padding import (ConstantPad1d, ConstantPad2d, ConstantPad3d, ZeroPad1d, ZeroPad2d, ZeroPad3d, ReflectionPad1d,
                      ReflectionPad2d, ReflectionPad3d, ReplicationPad1d, ReplicationPad2d, ReplicationPad3d,
                      CircularPad1d, CircularPad2d, CircularPad3d)
from .sparse import Embedding, EmbeddingBag
from .rnn import RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell
from .flatten import Flatten, Unflatten
from .upsampling import Upsample, UpsamplingNearest2d, UpsamplingBilinear2d
from .transformer import (Transformer, TransformerEncoder, TransformerDecoder, TransformerEncoderLayer,
                          TransformerDecoderLayer)
from .lazy import (LazyModuleMixin, LazyLinear, LazyConv1d, LazyConv2d, LazyConvTranspose1d, LazyConvTranspose2d,
                   LazyBatchNorm1d, LazyBatchNorm2d, LazyInstanceNorm1d, LazyInstanceNorm2d)
from .loss import (MSELoss, L1Loss, SmoothL1Loss, HuberLoss, NLLLoss, CrossEntropyLoss, BCELoss, BCEWithLogitsLoss,
                   KLDivLoss, MarginRankingLoss, HingeEmbeddingLoss, SoftMarginLoss, MultiLabelSoftMarginLoss,
                   CosineEmbeddingLoss, TripletMarginLoss, PoissonNLLLoss, GaussianNLLLoss,
                   TripletMarginWithDistanceLoss, MultiMarginLoss)

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Identity", "Linear",
           "Bilinear", "Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d",
           "AdaptiveAvgPool2d", "ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "Tanh", "Sigmoid", "GELU", "SiLU", "Mish",
           "Softplus", "Softmax", "LogSoftmax", "Softmin", "Hardtanh", "Hardswish", "Hardsigmoid", "LogSigmoid",
           "Softsign", "Tanhshrink", "PReLU", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
           "FeatureAlphaDropout", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "Embedding", "Flatten", "Unflatten",
           "Upsample", "UpsamplingNearest2d",
           "UpsamplingBilinear2d", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "NLLLoss", "CrossEntropyLoss",
           "BCELoss", "BCEWithLogitsLoss", "KLDivLoss", "RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell",
           "LSTMCell", "GRUCell", "MultiheadAttention", "ConvTranspose2d", "AdaptiveMaxPool2d", "Threshold", "GLU",
           "GroupNorm", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d", "Transformer", "TransformerEncoder", "TransformerDecoder",
           "TransformerEncoderLayer", "TransformerDecoderLayer", "LazyModuleMixin", "LazyLinear", "LazyConv1d",
           "LazyConv2d", "LazyConvTranspose2d", "LazyBatchNorm1d", "LazyBatchNorm2d", "CELU", "Hardshrink",
           "Softshrink", "RReLU", "Softmax2d", "RMSNorm", "InstanceNorm1d", "InstanceNorm2d", "PixelShuffle",
           "PixelUnshuffle", "PairwiseDistance", "CosineSimilarity", "MarginRankingLoss", "HingeEmbeddingLoss",
           "SoftMarginLoss", "MultiLabelSoftMarginLoss", "CosineEmbeddingLoss", "TripletMarginLoss", "PoissonNLLLoss",
           "GaussianNLLLoss", "ConvTranspose1d", "AdaptiveMaxPool1d", "LazyConvTranspose1d", "ChannelShuffle", "LPPool1d",
           "LPPool2d", "LocalResponseNorm", "TripletMarginWithDistanceLoss", "MultiMarginLoss", "Unfold", "Fold",
           "LazyInstanceNorm1d", "LazyInstanceNorm2d", "EmbeddingBag"]
