"""MkDocs hook: the reference pages, generated from the code at every build so that they cannot drift.

* ``reference/cli.md``: every command of the Typer app (``typer.main.get_command``) with its arguments and options;
* ``reference/config.md``: every config key, from the pydantic model that ``gankit config keys`` reads;
* ``reference/presets.md``: every shipped preset with its description and its header (what it is for, when to
  pick it, which keys to change).
"""

from __future__ import annotations

from importlib import resources

import typer.main
from mkdocs.structure.files import File, Files

GENERATED_NOTE = "*This page is generated from gankit's code at every build of these docs.*\n"


def on_files(files: Files, config) -> Files:
    """Add the generated pages to the build (before the navigation is built, so the nav can name them)."""
    for path, text in {"reference/cli.md": cli_page(), "reference/config.md": config_page(),
                       "reference/presets.md": presets_page()}.items():
        existing = files.get_file_from_path(path)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, path, content=text))
    return files


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def cli_page() -> str:
    from gankit.cli import app

    root = typer.main.get_command(app)
    lines = ["# Command line", "", GENERATED_NOTE, _cell(root.help or ""), ""]
    for path, command in _commands(root, ["gankit"]):
        lines += [f"## `{' '.join(path)}`", "", (command.help or "").strip(), ""]
        params = [p for p in command.params if not getattr(p, "hidden", False)]
        if params:
            lines += ["| argument or option | type | default | meaning |", "|---|---|---|---|"]
            lines += [_param_row(p) for p in params]
            lines.append("")
    return "\n".join(lines)


def _commands(group, path: list[str]):
    """(path, command) for every command under ``group``, depth first, in name order (groups have ``commands``)."""
    if hasattr(group, "commands"):
        for name in sorted(group.commands):
            command = group.commands[name]
            if getattr(command, "hidden", False):
                continue
            if hasattr(command, "commands"):
                yield from _commands(command, [*path, name])
            else:
                yield [*path, name], command
    else:
        yield path, group


def _param_row(param) -> str:
    """One table row: Typer's parameters (``typer.core``) and plain click ones alike."""
    if param.param_type_name == "argument":
        name = param.name.upper() + ("" if param.required else " (optional)")
    else:
        name = ", ".join(param.opts + param.secondary_opts)
    help_text = getattr(param, "help", "") or ""
    default = param.default if not callable(param.default) else ""
    shown = "" if default in (None, (), [], False) or param.required else f"`{default}`"
    if getattr(param, "is_flag", False):
        kind = "flag"
    elif hasattr(param, "bare_type"):
        kind = param.bare_type()
    else:
        kind = getattr(param.type, "name", str(param.type))
    return f"| `{_cell(name)}` | {_cell(kind)} | {_cell(shown)} | {_cell(help_text)} |"


def config_page() -> str:
    from gankit.config_keys import config_keys

    lines = ["# Config keys", "", GENERATED_NOTE,
             "Every key that a preset, a config file or `--set key=value` may set (values are TOML: "
             "`--set model.discriminator.hidden=[16,16]`). `gankit config keys [PREFIX]` prints the same list.", ""]
    section = None
    for doc in config_keys():
        top = doc.key.split(".")[0] if "." in doc.key else "top level"
        if top != section:
            section = top
            lines += ["", f"## `{section}`" if section != "top level" else "## Top level", "", "| key | type | default | range | meaning |", "|---|---|---|---|---|"]
        lines.append(f"| `{doc.key}` | {_cell(doc.type)} | `{_cell(doc.default)}` | {_cell(doc.range)} | {_cell(doc.description)} |")
    return "\n".join(lines) + "\n"


def presets_page() -> str:
    from gankit.config import load_raw, preset_names

    lines = ["# Presets", "", GENERATED_NOTE,
             "`gankit train PRESET` trains one; `gankit train PRESET --dry-run` prints every value it resolves to. "
             "Each preset's file starts with what it is for, when to pick it and which keys to change for your data.", "",
             "| preset | what |", "|---|---|"]
    names = preset_names()
    lines += [f"| [`{name}`](#{name}) | {_cell(load_raw(name).get('description', ''))} |" for name in names]
    folder = resources.files("gankit") / "presets"
    for name in names:
        text = (folder / f"{name}.toml").read_text()
        header = [line[1:].strip() if line.startswith("# ") else line[1:] for line in text.splitlines()
                  if line.startswith("#")]
        lines += ["", f"## {name}", "", *_header_lines(header), "", f'??? note "presets/{name}.toml"',
                  "    ```toml", *["    " + line for line in text.splitlines()], "    ```"]
    recipes = sorted(p.name for p in (folder / "recipes").iterdir() if p.name.endswith(".toml"))
    for recipe in recipes:
        text = (folder / "recipes" / recipe).read_text()
        lines += ["", f"## The `{recipe[:-5]}` recipe", "",
                  "A recipe holds shared settings: a preset or a config file that starts with "
                  f'`recipe = "{recipe[:-5]}"` takes all of them, and its own values win.', "",
                  f'??? note "presets/recipes/{recipe}"', "    ```toml", *["    " + line for line in text.splitlines()],
                  "    ```"]
    return "\n".join(lines) + "\n"


def _header_lines(header: list[str]) -> list[str]:
    """The preset's header comment as paragraphs: a new one at each 'What:', 'Pick it:', 'Change…:' line."""
    paragraphs: list[str] = []
    for line in header:
        if not paragraphs or line.split(":")[0] in ("What", "Pick it", "Change", "Change for your data", "Why each value"):
            paragraphs.append(line)
        else:
            paragraphs[-1] += " " + line.strip()
    out = []
    for paragraph in paragraphs:
        label, _, rest = paragraph.partition(":")
        out += [f"**{label}:**{rest}" if rest and len(label) < 25 else paragraph, ""]
    return out
