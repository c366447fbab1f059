"""Load an inventory plugin of this collection without the collection loader (the unit tests import the
collection as a plain package): read its DOCUMENTATION with the fragments and register the options."""
import importlib

from ansible import constants as C
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


def plugin_doc(module):
    """The plugin's documentation with its fragments, as ansible-core reads it."""
    return get_docstring(module.__file__, Fragments(), collection_name=COLLECTION, plugin_type="inventory")[0]


def load_plugin(module):
    """A fresh ``InventoryModule`` of ``module`` whose options resolve like ansible-core's loader makes them."""
    name = module.InventoryModule.NAME
    if not C.config.has_configuration_definition("inventory", name):
        C.config.initialize_plugin_configuration_definitions("inventory", name, plugin_doc(module)["options"])
    plugin = module.InventoryModule()
    plugin._load_name = name
    plugin._redirected_names = [name]
    return plugin


def device_vars(inventory, host):
    """The ``iot_*`` variables of ``host`` but ``iot_version_read_at``, which is checked here: the UTC time the
    listing was read, not in the future."""
    import calendar
    import time

    variables = dict((key, value) for key, value in inventory.get_host(host).get_vars().items()
                     if key.startswith("iot_"))
    read_at = variables.pop("iot_version_read_at")
    assert calendar.timegm(time.strptime(read_at, "%Y-%m-%dT%H:%M:%SZ")) <= time.time() + 1, read_at
    return variables
