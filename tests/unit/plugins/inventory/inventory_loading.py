"""Load an inventory plugin of this collection without the collection loader (the unit tests import the
collection as a plain package): read its DOCUMENTATION with the fragments (``kit.docs``) and register the
options."""
import yaml

from ansible import constants as C

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _inventory

from kit import docs


def plugin_doc(module):
    """The plugin's documentation with its fragments, as ansible-core reads it (``kit.docs``)."""
    return docs.plugin_doc(module, "inventory")


def assert_connection_options(module, connection):
    """The inventory plugin ``module`` takes the options of its platform's modules (``connection.argument_spec()``
    but ``NOT_INVENTORY_OPTIONS``) from the platform fragment's ``plugin_options``, not written again in its own
    DOCUMENTATION: the same type, default, requiredness and environment variables (the fallback's)."""
    options = plugin_doc(module)["options"]
    spec = connection.argument_spec()
    assert not set(yaml.safe_load(module.DOCUMENTATION)["options"]) & set(spec)  # written once
    names = set(spec) - _inventory.NOT_INVENTORY_OPTIONS
    assert names <= set(options) and not _inventory.NOT_INVENTORY_OPTIONS & set(options)
    for name in names:
        arg, doc = spec[name], options[name]
        assert (doc.get("type", "str"), doc.get("default"), bool(doc.get("required"))) == (
            arg.get("type", "str"), arg.get("default"), bool(arg.get("required"))), name
        env = [entry["name"] for entry in doc.get("env", [])]
        assert env == (list(arg["fallback"][1]) if arg.get("fallback") else []), name


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
