"""OCSF Detection Finding events, as OCSF-speaking tools emit them."""

import copy

from accounts.models import Account
from detection.models import Signal

PATH = "/api/v1/ocsf/detection-findings"

# Shaped like a Detection Finding from an OCSF 1.3 producer (metadata, finding_info with an
# analytic, observables with type_ids, evidences, unmapped extras), for an extraction detector.
FINDING = {
    "activity_id": 1,
    "activity_name": "Create",
    "category_name": "Findings",
    "category_uid": 2,
    "class_name": "Detection Finding",
    "class_uid": 2004,
    "type_uid": 200401,
    "type_name": "Detection Finding: Create",
    "time": 1795770000000,
    "severity_id": 4,
    "severity": "High",
    "confidence_id": 3,
    "confidence_score": 87,
    "status_id": 1,
    "message": "Narrow capability harvesting by a coordinated account group",
    "metadata": {
        "version": "1.3.0",
        "product": {"name": "Extraction Guard", "vendor_name": "Example Lab", "version": "4.2"},
        "uid": "a1d0c6e8-1f1a-4c4a-9f2e-07d3c9b6a001",
    },
    "finding_info": {
        "uid": "eg-2026-11-27-5f1d2c",
        "title": "Capability harvesting",
        "desc": "Prompts concentrate on one coding benchmark family across 2 accounts.",
        "types": ["Capability Harvesting"],
        "analytic": {"name": "narrow-domain-harvest", "type_id": 1, "type": "Rule"},
        "created_time": 1795769990000,
    },
    "observables": [
        {"name": "actor.user.uid", "type_id": 31, "type": "User: uid", "value": "acct_0100042"},
        {"name": "actor.user.uid", "type_id": 31, "type": "User: uid", "value": "acct_0100043"},
        {"name": "src_endpoint.ip", "type_id": 2, "type": "IP Address", "value": "198.51.100.7"},
        {
            "name": "payment.card.fingerprint",
            "type_id": 30,
            "type": "Fingerprint",
            "value": "pf_9a1c33e0",
        },
        {
            "name": "device.hw_info.fingerprint",
            "type_id": 30,
            "type": "Fingerprint",
            "value": "dv_77b2",
        },
        {
            "name": "actor.user.email_addr",
            "type_id": 5,
            "type": "Email Address",
            "value": "u42@northwind-mail.example",
        },
        {
            "name": "api_key.uid",
            "type_id": 19,
            "type": "User Credential ID",
            "value": "sk-live-9f3e2a77c1d04b",
        },
    ],
    "evidences": [{"src_endpoint": {"ip": "198.51.100.7"}, "data": {"requests": 1840}}],
    "unmapped": {"benchmark_family": "code-contests"},
}


def _finding(**changes) -> dict:
    event = copy.deepcopy(FINDING)
    event.update(changes)
    return event


def test_a_finding_is_mapped_onto_a_signal(post_signals, prada):
    response = post_signals(FINDING, prada.token, path=PATH)
    assert response.status_code == 201
    signal = Signal.objects.get(external_id="eg-2026-11-27-5f1d2c")
    assert signal.kind == "capability_harvesting"
    assert (signal.severity, signal.confidence) == ("high", 87)
    assert signal.observed_at.isoformat() == "2026-11-27T09:00:00+00:00"
    assert signal.summary.startswith("Capability harvesting: Prompts concentrate")
    stored = copy.deepcopy(FINDING)
    stored["observables"][-1]["value"] = "sk-live-9f3e"  # the credential, cut to 12 characters
    assert signal.payload == stored
    assert signal.observables == stored["observables"]


def test_user_observables_become_accounts_with_the_other_observables_as_attributes(
    post_signals, prada
):
    post_signals(FINDING, prada.token, path=PATH)
    account = Account.objects.get(external_id="acct_0100042")
    assert set(account.attributes.values_list("type", "value")) == {
        ("ip", "198.51.100.7"),
        ("payment_fingerprint", "pf_9a1c33e0"),
        ("device_fingerprint", "dv_77b2"),
        ("email_domain", "northwind-mail.example"),
        ("api_key_prefix", "sk-live-9f3e"),
    }
    assert Account.objects.filter(external_id="acct_0100043").exists()


def test_the_whole_credential_is_never_stored_as_an_attribute(post_signals, prada):
    post_signals(FINDING, prada.token, path=PATH)
    assert not Account.objects.filter(attributes__value="sk-live-9f3e2a77c1d04b").exists()


def test_confidence_id_is_used_when_there_is_no_score(post_signals, prada):
    event = _finding(confidence_id=2)
    del event["confidence_score"]
    post_signals(event, prada.token, path=PATH)
    assert Signal.objects.get().confidence == 60


def test_severity_ids_map_onto_quarry_severities(post_signals, prada):
    for n, (severity_id, expected) in enumerate(
        [(1, "low"), (3, "medium"), (5, "critical"), (6, "critical")]
    ):
        info = {**FINDING["finding_info"], "uid": f"f-{n}"}
        post_signals(_finding(severity_id=severity_id, finding_info=info), prada.token, path=PATH)
        assert Signal.objects.get(external_id=f"f-{n}").severity == expected


def test_another_class_is_a_422_naming_class_uid(post_signals, prada):
    response = post_signals(_finding(class_uid=2003), prada.token, path=PATH)
    assert response.status_code == 422
    error = response.json()["items"][0]["errors"][0]
    assert error["field"] == "class_uid" and "2003" in error["message"]


def test_a_finding_without_uid_is_a_422_naming_finding_info_uid(post_signals, prada):
    event = _finding(finding_info={"title": "no uid"})
    response = post_signals(event, prada.token, path=PATH)
    assert response.status_code == 422
    assert response.json()["items"][0]["errors"][0]["field"] == "finding_info.uid"


def test_a_finding_without_time_is_a_422_naming_time(post_signals, prada):
    event = _finding()
    del event["time"]
    response = post_signals(event, prada.token, path=PATH)
    assert response.status_code == 422
    assert response.json()["items"][0]["errors"][0]["field"] == "time"


def test_an_array_stores_the_good_events_and_rejects_the_bad_one(post_signals, prada):
    good = _finding()
    other = _finding(finding_info={**FINDING["finding_info"], "uid": "eg-2"})
    bad = _finding(class_uid=1001)
    body = post_signals([good, bad, other], prada.token, path=PATH).json()
    assert (body["created"], body["rejected"]) == (2, 1)
    assert body["items"][1]["status"] == "rejected"


def test_resending_a_finding_is_a_duplicate(post_signals, prada):
    post_signals(FINDING, prada.token, path=PATH)
    response = post_signals(FINDING, prada.token, path=PATH)
    assert response.status_code == 200 and response.json()["duplicate"] == 1
