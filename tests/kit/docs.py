"""One reader of the plugins' documentation, for every test that checks it against the code.

The unit tests import the collection as a plain package, without ansible-core's collection loader, so ansible-core
finds none of ``iotfleet.firmware.*``'s doc fragments by itself. :class:`Fragments` is ansible-core's fragment
loader plus this collection's fragments imported as that package; :func:`plugin_doc` reads a module's or plugin's
``DOCUMENTATION`` with its fragments merged as ansible-core merges them (``get_docstring``), and :func:`compare`
checks an argument spec against the documented options (type, default, choices, elements, required, a description,
suboptions), naming the option that differs.
"""
import importlib

from ansible.plugins.loader import fragment_loader
from ansible.utils.plugin_docs import get_docstring

COLLECTION = "iotfleet.firmware"


class Fragments:
    """ansible-core's fragment loader, plus this collection's fragments imported as a plain package (without the
    collection loader, ansible-core finds no ``iotfleet.firmware.*`` fragment)."""

    @staticmethod
    def get(name, *args, **kwargs):
        if not name.startswith(COLLECTION + "."):
            return fragment_loader.get(name, *args, **kwargs)
        short = name[len(COLLECTION) + 1:]
        try:
            module = importlib.import_module("ansible_collections.%s.plugins.doc_fragments.%s" % (COLLECTION, short))
        except ImportError:  # "huawei_iot.plugin_options": ansible-core then asks for "huawei_iot" (its attribute)
            return None
        fragment = module.ModuleDocFragment
        fragment.ansible_name = name
        return fragment


def plugin_doc(module, plugin_type="module"):
    """The documentation of ``module`` (a module or a plugin of ``plugin_type``) with its fragments, as ansible-core
    reads it."""
    return get_docstring(module.__file__, Fragments(), collection_name=COLLECTION, plugin_type=plugin_type)[0]


def documented_options(module, plugin_type="module"):
    """The options ``module`` documents, its fragments' included."""
    return plugin_doc(module, plugin_type).get("options") or {}


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
