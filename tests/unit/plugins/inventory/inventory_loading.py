"""Load an inventory plugin of this collection without the collection loader (the unit tests import the
collection as a plain package): read its DOCUMENTATION with the fragments and register the options."""
from ansible import constants as C
from ansible.plugins.loader import fragment_loader
from ansible.utils.plugin_docs import get_docstring


def load_plugin(module):
    """A fresh ``InventoryModule`` of ``module`` whose options resolve like ansible-core's loader makes them."""
    name = module.InventoryModule.NAME
    if not C.config.has_configuration_definition("inventory", name):
        doc = get_docstring(module.__file__, fragment_loader, collection_name="iotfleet.firmware",
                            plugin_type="inventory")[0]
        C.config.initialize_plugin_configuration_definitions("inventory", name, doc["options"])
    plugin = module.InventoryModule()
    plugin._load_name = name
    plugin._redirected_names = [name]
    return plugin
