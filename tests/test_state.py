"""TrainState.state_dict / load_state_dict: the whole training state, RNGs included, round-trips exactly."""

import json

import torch

from gankit import GAN
from gankit.train.param_buffer import ParameterBuffer, ROW_ALIGN, SEGMENT_ALIGN, segments_of
from gankit.train.state import TrainState


def _trained(preset: str, overrides: list[str]) -> GAN:
    return GAN(preset, overrides=overrides).fit()


def test_state_dict_round_trips_every_tensor_and_counter():
    gan = _trained("gaussian", ["train.epochs=2", "data.n=300"])  # EMA, shuffling, Adam moments
    gan.state.batch_in_epoch = 1  # as a mid-epoch checkpoint would hold
    gan.state.epoch_rng = (gan.state.noise_rng.get_state(), gan.state.order_rng.get_state())
    tensors, info = gan.state.state_dict()
    json.dumps(info)  # the info half is plain JSON
    fresh = TrainState.create(gan.config, gan.layout, torch.device("cpu"))
    fresh.load_state_dict(tensors, info)
    again, again_info = fresh.state_dict()
    assert again.keys() == tensors.keys() and again_info == info
    assert all(torch.equal(again[key], tensors[key]) for key in tensors)
    assert fresh.noise_rng.get_state().equal(gan.state.noise_rng.get_state())
    assert (fresh.step, fresh.epoch, fresh.batch_in_epoch) == (gan.state.step, gan.state.epoch, 1)
    # and the restored nets compute what the originals compute
    z = torch.randn(5, 2)
    assert torch.equal(fresh.sampler(z), gan.state.sampler(z))


def test_a_loaded_gan_trains_on_exactly_as_the_saved_one(tmp_path):
    gan = _trained("d2l-gaussian", ["train.epochs=1", "data.n=80"])
    gan.save(tmp_path / "ckpt")
    loaded = GAN.load(tmp_path / "ckpt")
    for one in (gan, loaded):
        one.config = one.config.model_copy(update={"train": one.config.train.model_copy(update={"epochs": 2})})
        one.fit(one.real_rows())
    ours, _ = gan.state.state_dict()
    theirs, _ = loaded.state.state_dict()
    assert all(torch.equal(ours[key], theirs[key]) for key in ours)


def test_the_batch_size_in_effect_is_saved_and_the_config_is_not_changed(tmp_path):
    from test_tabular_gan import TINY, mixed_frame

    gan = GAN("tabular", overrides=[*TINY, "train.batch_size=500"]).fit(mixed_frame(125))
    document = json.loads((gan.save(tmp_path / "ckpt") / "state.json").read_text())
    assert document["batch_size"] == 120 and document["config"]["train"]["batch_size"] == 500  # one whole batch
    assert GAN.load(tmp_path / "ckpt").state.batch_size == 120


def test_a_net_lives_in_one_padded_buffer_its_parameters_view():
    net = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1))
    before = [p.detach().clone() for p in net.parameters()]
    buffer = ParameterBuffer(net)
    segments, length = segments_of(net)
    assert [s.offset for s in segments] == [0, 16, 32, 48]  # 15, 5, 5 and 1 numbers, each padded to 16
    assert length == ROW_ALIGN and buffer.flat.shape == (1, ROW_ALIGN) and SEGMENT_ALIGN == 16
    assert all(torch.equal(p, b) for p, b in zip(net.parameters(), before))
    with torch.no_grad():
        buffer.flat.add_(1.0)  # stepping the buffer moves the net's own parameters
    assert torch.equal(net[0].bias, before[1] + 1.0)
    grads = [torch.full_like(p, float(i + 1)) for i, p in enumerate(net.parameters())]
    flat = buffer.flat_gradient(grads)[0]
    assert flat[16:21].eq(2.0).all() and flat[21:32].eq(0.0).all()  # padding gets no gradient
