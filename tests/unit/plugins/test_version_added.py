"""``version_added`` in every plugin doc and doc fragment agrees with galaxy.yml and the changelog.

A plugin, option, attribute or return value is added in a released version (changelogs/changelog.yaml) or in the
version being prepared (galaxy.yml's ``version``); an option is not older than its plugin. The docs are read from
the files (no import), so a plugin whose imports fail still has its docs checked.
"""
import ast
import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PLUGINS = os.path.join(ROOT, "plugins")
DOC_NAMES = ("DOCUMENTATION", "RETURN")


def read_yaml(*parts):
    with open(os.path.join(ROOT, *parts)) as handle:
        return yaml.safe_load(handle)


def known_versions():
    releases = (read_yaml("changelogs", "changelog.yaml") or {}).get("releases") or {}
    return set(str(version) for version in releases) | {str(read_yaml("galaxy.yml")["version"])}


def key(version):
    return tuple(int(part) for part in str(version).split("-", maxsplit=1)[0].split("."))


def doc_strings(path):
    """``{name: yaml}`` of the module-level DOCUMENTATION / RETURN, or of every string attribute of a doc fragment
    class."""
    with open(path) as handle:
        tree = ast.parse(handle.read(), path)
    found = {}
    bodies = [tree.body] + [node.body for node in tree.body
                            if isinstance(node, ast.ClassDef) and node.name == "ModuleDocFragment"]
    for body in bodies:
        for node in body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                for target in node.targets:
                    if isinstance(target, ast.Name) and (target.id in DOC_NAMES or body is not tree.body):
                        found[target.id] = node.value.value
    return found


def doc_files():
    for folder in ("modules", "inventory", "doc_fragments"):
        for name in sorted(os.listdir(os.path.join(PLUGINS, folder))):
            if name.endswith(".py") and name != "__init__.py":
                yield os.path.join(folder, name)


def versions_in(node, where):
    """``(where, version)`` of every ``version_added`` below ``node`` (options, suboptions, attributes, returns)."""
    if isinstance(node, dict):
        for name, value in node.items():
            if name == "version_added":
                yield where, str(value)
            else:
                yield from versions_in(value, "%s.%s" % (where, name) if where else str(name))
    elif isinstance(node, list):
        for item in node:
            yield from versions_in(item, where)


@pytest.mark.parametrize("relpath", list(doc_files()))
def test_version_added_is_released_or_the_next_release(relpath):
    known = known_versions()
    docs = doc_strings(os.path.join(PLUGINS, relpath))
    assert docs or relpath.startswith("doc_fragments"), relpath
    plugin_version = None
    for name, text in sorted(docs.items()):
        data = yaml.safe_load(text) or {}
        if name == "DOCUMENTATION" and not relpath.startswith("doc_fragments"):
            plugin_version = str(data.get("version_added"))
            assert plugin_version in known, "%s: version_added %s is neither released nor galaxy.yml's version %s" % (
                relpath, plugin_version, sorted(known))
        for where, version in versions_in(data if name != "DOCUMENTATION" else dict(
                (k, v) for k, v in data.items() if k != "version_added"), name):
            assert version in known, "%s %s: version_added %s is neither released nor in %s" % (
                relpath, where, version, sorted(known))
            if plugin_version is not None:
                assert key(version) >= key(plugin_version), "%s %s: added before its plugin" % (relpath, where)


def test_galaxy_version_is_not_older_than_a_release():
    releases = (read_yaml("changelogs", "changelog.yaml") or {}).get("releases") or {}
    galaxy = read_yaml("galaxy.yml")["version"]
    assert all(key(galaxy) >= key(version) for version in releases), (galaxy, sorted(releases))
