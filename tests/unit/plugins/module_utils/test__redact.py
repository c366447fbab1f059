"""The redactor when secrets keep coming: a rollout adds a device secret per ShowDevice read (IoTDA v5), thousands
of them, and masks texts only on error paths; adding must stay cheap and masking exact."""
import threading
import time

from ansible_collections.iotfleet.firmware.plugins.module_utils._redact import MASK, Redactor


def test_adding_thousands_of_secrets_is_cheap_and_every_one_is_masked():
    redactor = Redactor(["account-secret-key"])
    secrets = ["emusecret-%022x" % number for number in range(3000)]
    started = time.process_time()
    for secret in secrets:
        redactor.add(secret)
    assert time.process_time() - started < 5  # recompiling on every add took 30 s for 500 secrets
    text = "failed near %s, %s and account-secret-key" % (secrets[0], secrets[-1])
    assert redactor.redact(text) == "failed near %s, %s and %s" % (MASK, MASK, MASK)
    assert len(redactor.secrets) == 3001


def test_a_secret_added_after_a_redaction_is_masked_from_then_on():
    redactor = Redactor()
    assert redactor.redact("token-one here") == "token-one here"  # no secret yet: the text as it is
    redactor.add("token-one")
    assert redactor.redact("token-one here") == MASK + " here"
    redactor.add("token-one")  # known: nothing changes
    redactor.add("abc")  # too short to mask
    redactor.add("token-one-longer")
    assert redactor.redact("token-one-longer, token-one") == "%s, %s" % (MASK, MASK)  # longest form first
    assert redactor.secrets == ["token-one", "token-one-longer"]


def test_adds_and_redactions_from_several_threads():
    redactor = Redactor()
    errors = []

    def add(offset):
        for number in range(200):
            redactor.add("thread-secret-%d-%04d" % (offset, number))

    def redact():
        try:
            for dummy in range(50):
                redactor.redact("thread-secret-0-0001")
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(n,)) for n in range(4)] + [threading.Thread(target=redact)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(redactor.secrets) == 800
    assert all(redactor.redact("thread-secret-%d-%04d" % (n, 199)) == MASK for n in range(4))
