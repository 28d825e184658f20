"""Install hints name gankit's extras the way this copy of gankit was installed."""

from __future__ import annotations

import pytest

from gankit import install_hint as hint
from gankit.install_hint import extra_requirements, install_hint


def installed_as(monkeypatch, record: dict | None) -> None:
    monkeypatch.setattr(hint, "_direct_url", lambda: record)


def test_an_editable_clone_is_named_by_its_folder(monkeypatch, tmp_path):
    installed_as(monkeypatch, {"url": tmp_path.as_uri(), "dir_info": {"editable": True}})
    monkeypatch.chdir(tmp_path)
    assert install_hint("tensorboard").startswith('pip install -e ".[tensorboard]"')
    monkeypatch.chdir(tmp_path.parent)
    assert install_hint("tensorboard").startswith(f'pip install -e "{tmp_path}[tensorboard]"')


def test_a_wheel_is_named_by_its_file(monkeypatch, tmp_path):
    wheel = tmp_path / "gankit-0.1.0-py3-none-any.whl"
    installed_as(monkeypatch, {"url": wheel.as_uri(), "archive_info": {}})
    assert install_hint("mlflow").startswith(f'pip install "{wheel}[mlflow]"')


def test_an_index_install_is_named_by_the_project(monkeypatch):
    installed_as(monkeypatch, None)
    assert install_hint("mlflow").startswith('pip install "gankit[mlflow]"')


@pytest.mark.parametrize("extra, package", [("tensorboard", "tensorboard>="), ("mlflow", "mlflow>="), ("fidelity", "torch-fidelity>=")])
def test_the_hint_also_names_the_extras_own_packages(extra, package):
    assert any(requirement.startswith(package) for requirement in extra_requirements(extra))
    assert f'(or: pip install "{package}' in install_hint(extra)

