"""The first screen's model, natively: the engine's gradients and the training it drives."""
import numpy as np

from app.playground import Playground, Training


def test_engine_gradient_matches_the_closed_form():
    training = Training()
    training.weight.data = training.weight.data + 0.3  # away from zero, so both features matter
    training.loss().backward()
    points, labels = training.points, training.labels
    probabilities = 1 / (1 + np.exp(-(points @ training.weight.tolist() + training.bias.item())))
    expected = points.T @ (probabilities - labels) / len(labels)
    np.testing.assert_allclose(training.weight.grad.tolist(), expected, rtol=1e-5)


def test_steps_lower_the_loss_and_move_the_boundary():
    playground = Playground()
    playground.view()
    for _ in range(20):
        playground.training.take_step()
    losses = playground.training.losses
    assert len(losses) == 21 and abs(losses[0] - np.log(2)) < 1e-6 and losses[-1] < 0.5 * losses[0]
    assert playground.loss_source.data["loss"] == losses
    assert len(playground.boundary_source.data["x"]) == 2
    assert "Step 20" in playground.status.object
