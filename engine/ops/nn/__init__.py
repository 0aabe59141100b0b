"""The ops torch.nn.functional records: activations and softmax, convolution and pooling, losses, norms."""
