"""One reader of the plugins' documentation, for every test that checks it against the code.

:func:`documented_options` reads a module's ``DOCUMENTATION`` with this collection's fragments merged, with no
ansible-core controller code (``ansible-test units`` runs the module tests without it). :func:`plugin_doc` reads a
plugin's documentation as ansible-core does (``get_docstring``); the unit tests import the collection as a plain
package, without ansible-core's collection loader, so :class:`Fragments` adds this collection's fragments to
ansible-core's fragment loader. :func:`compare` checks an argument spec against the documented options (type,
default, choices, elements, required, a description, suboptions), naming the option that differs.
"""
import importlib

import yaml

COLLECTION = "iotfleet.firmware"


class Fragments:
    """ansible-core's fragment loader, plus this collection's fragments imported as a plain package (without the
    collection loader, ansible-core finds no ``iotfleet.firmware.*`` fragment)."""

    @staticmethod
    def get(name, *args, **kwargs):
        if not name.startswith(COLLECTION + "."):
            from ansible.plugins.loader import fragment_loader  # controller code: see plugin_doc
            return fragment_loader.get(name, *args, **kwargs)
        short = name[len(COLLECTION) + 1:]
        try:
            module = importlib.import_module("ansible_collections.%s.plugins.doc_fragments.%s" % (COLLECTION, short))
        except ImportError:  # "huawei_iot.plugin_options": ansible-core then asks for "huawei_iot" (its attribute)
            return None
        fragment = module.ModuleDocFragment
        fragment.ansible_name = name
        return fragment


def plugin_doc(module, plugin_type="inventory"):
    """The documentation of the plugin ``module`` with its fragments, as ansible-core reads it (``get_docstring``).

    ansible-core's controller code is imported here, not at the top: ``ansible-test units`` runs the tests of
    ``tests/unit/plugins/modules/`` without it (a module runs without the controller), and they import this kit."""
    from ansible.utils.plugin_docs import get_docstring
    return get_docstring(module.__file__, Fragments(), collection_name=COLLECTION, plugin_type=plugin_type)[0]


def documented_options(module):
    """The options the module ``module`` documents, its fragments' included: its ``DOCUMENTATION`` read as YAML and
    each ``iotfleet.firmware.<fragment>[.<variant>]`` of ``extends_documentation_fragment`` merged (the fragment's
    ``DOCUMENTATION`` or its ``<VARIANT>`` attribute), with no controller code (see :func:`plugin_doc`)."""
    doc = yaml.safe_load(module.DOCUMENTATION)
    options = dict(doc.get("options") or {})
    for fragment in doc.get("extends_documentation_fragment") or []:
        if not fragment.startswith(COLLECTION + "."):
            continue  # ansible.builtin fragments document no options of these modules
        name, dummy, variant = fragment[len(COLLECTION) + 1:].partition(".")
        source = importlib.import_module("ansible_collections.%s.plugins.doc_fragments.%s" % (COLLECTION, name))
        text = getattr(source.ModuleDocFragment, (variant or "documentation").upper())
        for key, value in (yaml.safe_load(text).get("options") or {}).items():
            options.setdefault(key, value)  # the module's own option wins, as ansible-core merges them
    return options


def compare(spec, docs, where=""):
    """``spec`` (an ``argument_spec``) and ``docs`` (:func:`documented_options`) name the same options, and each
    option the same type, default, choices, elements and requiredness, a description (a string or a list of them),
    and suboptions where the spec has ``options``; the assertion names the option (``parent.child``)."""
    assert sorted(docs) == sorted(spec), where or "the options"
    for name, arg in spec.items():
        doc = docs[name]
        label = where + name
        for key, default in (("type", "str"), ("default", None), ("choices", None), ("elements", None)):
            assert doc.get(key, default) == arg.get(key, default), "%s: %s" % (label, key)
        assert bool(doc.get("required")) == bool(arg.get("required")), "%s: required" % label
        description = doc.get("description")
        assert isinstance(description, str) or (
            isinstance(description, list) and description and all(isinstance(line, str) for line in description)
        ), "%s: description" % label
        if arg.get("options"):
            compare(arg["options"], doc.get("suboptions") or {}, label + ".")
        else:
            assert "suboptions" not in doc, label
