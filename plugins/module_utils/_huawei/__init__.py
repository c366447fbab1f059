# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Huawei IoT legacy northbound provider: ``api`` (login, token, paced calls, pages), ``errors`` (documented
codes), ``task`` (pure logic), ``provider`` (:class:`HuaweiProvider`), ``connection`` (argument spec)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type
