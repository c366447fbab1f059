"""Run a module's ``main()`` in-process with given arguments and return its JSON result."""
import json

import pytest

from ansible.module_utils.testing import patch_module_args


def run(module, args, capsys, check=False, diff=False):
    """Returns ``(result_dict, raw_stdout)``; check/diff set the ``_ansible_*`` flags like the executor does."""
    args = dict(args)
    if check:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    out = capsys.readouterr().out
    return json.loads(out), out
