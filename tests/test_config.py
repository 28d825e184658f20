"""Config loading, overrides and the one-line errors for bad keys, types and ranges."""

import pytest

from gankit.config import GanConfig, apply_overrides, load_config, parse_override, preset_names
from gankit.errors import UserError


def test_d2l_preset_is_the_chapter():
    config = load_config("d2l-gaussian")
    assert config.data.A == [[1.0, 2.0], [-0.1, 0.5]] and config.data.b == [1.0, 2.0] and config.data.n == 1000
    assert config.model.generator.hidden == [] and config.model.discriminator.hidden == [5, 3]
    assert config.model.discriminator.activation == "tanh" and config.model.init_std == 0.02
    assert (config.train.d_optimizer.lr, config.train.g_optimizer.lr) == (0.05, 0.005)
    assert config.train.d_optimizer.betas == (0.9, 0.999)
    assert (config.train.batch_size, config.train.epochs, config.train.shuffle) == (8, 20, False)
    assert config.train.objective == "non-saturating" and config.train.same_z
    assert config.model.latent_dim == 2 and config.data.transform == "none"


def test_every_preset_validates():
    assert {"d2l-gaussian", "gaussian"} <= set(preset_names())
    for name in preset_names():
        assert isinstance(load_config(name), GanConfig)


def test_the_unknown_modes_presets_share_one_recipe_and_differ_only_in_their_data():
    configs = {name: load_config(name).model_dump() for name in ("ring", "grid", "moons", "swiss-roll", "gaussian-mlp")}
    rest = {name: {k: v for k, v in c.items() if k not in ("data", "name", "description")} for name, c in configs.items()}
    assert all(r == rest["ring"] for r in rest.values())
    assert rest["ring"]["sample"]["method"] == "rejection" and rest["ring"]["model"]["output_noise_entropy"] == 0.003
    assert {c["data"]["transform"] for c in configs.values()} == {"whiten"}  # the recipe's [data] keys, merged in
    assert configs["grid"]["data"]["source"] == "grid" and configs["grid"]["data"]["grid_size"] == 5
    assert configs["ring"]["data"]["modes"] == 8 and configs["ring"]["data"]["n"] == 100000


def test_a_config_file_can_start_from_a_recipe(tmp_path, cli):
    path = tmp_path / "mine.toml"
    path.write_text('recipe = "unknown-modes"\nname = "mine"\n[data]\nsource = "moons"\nn = 2000\n[train]\nepochs = 3\n')
    config = load_config(str(path))
    assert (config.data.n, config.data.transform, config.train.epochs) == (2000, "whiten", 3)  # mine wins, merged
    assert config.train.ema_decay == 0.999 and config.model.discriminator.hidden == [256, 256, 256]  # the recipe's
    path.write_text('recipe = "kfree"\n')
    result = cli("train", str(path))
    assert result.code == 2 and result.stderr.strip().count("\n") == 0
    assert "unknown recipe 'kfree'" in result.stderr and "choose one of: unknown-modes" in result.stderr


def test_the_recipe_s_former_name_loads_the_same_settings(tmp_path):
    old, new = tmp_path / "old.toml", tmp_path / "new.toml"
    old.write_text('recipe = "k-free"\nname = "mine"\n[data]\nsource = "moons"\n')
    new.write_text('recipe = "unknown-modes"\nname = "mine"\n[data]\nsource = "moons"\n')
    assert load_config(str(old)).model_dump() == load_config(str(new)).model_dump()


def test_overrides_are_typed():
    assert parse_override("train.epochs=3") == (["train", "epochs"], 3)
    assert parse_override("train.shuffle=true") == (["train", "shuffle"], True)
    assert parse_override("data.A=[[1,0],[0,1]]")[1] == [[1, 0], [0, 1]]
    assert parse_override("train.objective=minimax")[1] == "minimax"
    config = load_config("d2l-gaussian", ["train.d_optimizer.lr=0.01", "model.discriminator.hidden=[8]"], seed=4)
    assert config.train.d_optimizer.lr == 0.01 and config.model.discriminator.hidden == [8] and config.seed == 4


def test_overrides_do_not_touch_the_original():
    raw = {"train": {"epochs": 1}}
    assert apply_overrides(raw, ["train.epochs=5"])["train"]["epochs"] == 5
    assert raw["train"]["epochs"] == 1


@pytest.mark.parametrize(
    "override, expected",
    [
        ("train.batchsize=3", "unknown config key 'train.batchsize'; allowed keys here: epochs, batch_size"),
        ("nope=1", "unknown config key 'nope'"),
        ("train.epochs=abc", "config key 'train.epochs'"),
        ("train.batch_size=0", "config key 'train.batch_size': Input should be greater than or equal to 1"),
        ("train.objective=wgan-gp", "config key 'train.objective': Input should be 'non-saturating', 'minimax', 'wgan', 'lsgan' or 'hinge'"),
        ("eval.alpha=1.5", "config key 'eval.alpha'"),
        ("data.b=[1,2,3]", "data.A has 2 columns but data.b has 3 entries"),
        ("train.d_optimizer.betas=[0.5,1.0]", "betas must lie in [0, 1)"),
        ("train.epochs.x=1", "'epochs' is a value, not a section"),
        ("justakey", "--set expects key=value"),
    ],
)
def test_bad_overrides_give_one_line(override, expected):
    with pytest.raises(UserError) as caught:
        load_config("d2l-gaussian", [override])
    message = str(caught.value)
    assert expected in message and "\n" not in message


def test_unknown_preset_lists_the_choices(tmp_path):
    with pytest.raises(UserError, match="choose one of: .*d2l-gaussian"):
        load_config("nope")
    with pytest.raises(UserError, match="config file not found"):
        load_config(str(tmp_path / "missing.toml"))
    broken = tmp_path / "broken.toml"
    broken.write_text("[train\nepochs = 1")
    with pytest.raises(UserError, match="not valid TOML"):
        load_config(str(broken))


def test_toml_round_trip(tmp_path):
    config = load_config("d2l-gaussian", ["train.epochs=7"], seed=3)
    path = tmp_path / "c.toml"
    path.write_text(config.to_toml())
    assert load_config(str(path)) == config
