# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Connection settings -> providers, for the controller plugins.

The settings come from the platforms' ``<platform>_connection`` actions: they are members of the platforms'
action groups, so the play's ``module_defaults`` for those groups apply to them, and their argument spec (the
platform's ``connection.argument_spec()``) applies the environment fallbacks. Every secret given or obtained (tokens) is collected for redaction.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _platforms as registry

connection_module = registry.connection_module


def secret_options(platform):
    spec = connection_module(platform).argument_spec()
    return [name for name, option in spec.items() if option.get("no_log")]


class Providers:
    """The providers of one plugin call (one per platform: one session, one token), closed together."""

    def __init__(self, connections, factory=None):
        self.connections = dict((p, c) for p, c in (connections or {}).items() if c)
        self.secrets = []
        for platform, params in self.connections.items():
            self.secrets += [params[name] for name in secret_options(platform) if params.get(name)]
        self._factory = factory or self._default_factory
        self.providers = {}

    @staticmethod
    def _default_factory(platform, params, on_secret):
        return connection_module(platform).provider_from_params(params, on_secret=on_secret)

    def _on_secret(self, value):
        if value and value not in self.secrets:
            self.secrets.append(value)

    def get(self, platform, product_id=None):
        """The platform's provider (one for every product: a task carries its scope, ``task_ref``)."""
        del product_id
        if platform not in self.connections:
            return None
        if platform not in self.providers:
            self.providers[platform] = self._factory(platform, dict(self.connections[platform]), self._on_secret)
        return self.providers[platform]

    def instances(self):
        return list(self.providers.values())

    def all_secrets(self):
        out = list(self.secrets)
        for provider in self.providers.values():
            out += [s for s in (getattr(provider, "secrets", None) or []) if s]
        return out

    def close(self):
        for provider in self.providers.values():
            try:
                provider.close()
            except Exception:  # closing a session must not hide the wave's outcome
                pass


class ProviderSets:
    """Fresh :class:`Providers` per unit of work (each wave of a run, the read-back): a provider keeps what it
    learned of its last create for the reconcile of a lost answer, which must not carry over into another wave.
    Tokens are not lost (the transport tier's token cache keeps them)."""

    def __init__(self, connections, factory=None):
        self.connections = connections
        self.factory = factory
        self.made = []

    def new(self):
        providers = Providers(self.connections, factory=self.factory)
        self.made.append(providers)
        return providers

    def all_secrets(self):
        return [secret for providers in self.made for secret in providers.all_secrets()]

    def close(self):
        for providers in self.made:
            providers.close()
