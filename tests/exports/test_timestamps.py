"""RFC 3161 time stamps on checkpoints, against a real time-stamping authority: Debian's
`openssl ts -reply` behind a tiny HTTP endpoint, with its own root and TSA certificates."""

import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from exports.checkpoints import checkpoint_compare, checkpoint_newest, checkpoint_write
from exports.timestamps import TimestampError, timestamp_check

pytestmark = pytest.mark.skipif(not shutil.which("openssl"), reason="needs openssl")

TSA_CONFIG = """
[ tsa ]
default_tsa = quarry_test_tsa
[ quarry_test_tsa ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def tsa(tmp_path):
    """A root CA, a TSA certificate it signed (extendedKeyUsage timeStamping, critical), and an
    HTTP server that answers each query with `openssl ts -reply`. Yields (url, root pem)."""
    d = tmp_path / "tsa"
    d.mkdir()
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "root.key", "-out", "root.pem", "-days", "2", "-subj", "/CN=Quarry Test Root",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
        cwd=d,
    )  # fmt: skip
    _openssl(
        "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=Quarry Test TSA", cwd=d,
    )  # fmt: skip
    (d / "ext.cnf").write_text(
        "extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\n"
    )
    _openssl(
        "x509", "-req", "-in", "tsa.csr", "-CA", "root.pem", "-CAkey", "root.key",
        "-CAcreateserial", "-out", "tsa.pem", "-days", "2", "-extfile", "ext.cnf", cwd=d,
    )  # fmt: skip
    (d / "serial").write_text("01\n")
    (d / "tsa.cnf").write_text(TSA_CONFIG.format(dir=d))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            query = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:  # one serial file
                (d / "query.tsq").write_bytes(query)
                result = subprocess.run(
                    ["openssl", "ts", "-reply", "-config", "tsa.cnf", "-queryfile", "query.tsq",
                     "-out", "reply.tsr"],
                    cwd=d,
                    capture_output=True,
                )  # fmt: skip
                reply = (d / "reply.tsr").read_bytes() if result.returncode == 0 else b""
            self.send_response(200 if reply else 500)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", d / "root.pem"
    server.shutdown()
    server.server_close()


def test_a_checkpoint_gets_a_verified_time_stamp(case, tsa, settings, evidence_dir):
    url, root = tsa
    settings.QUARRY_TSA_URL = url
    settings.QUARRY_TSA_CA_FILE = str(root)
    checkpoint = checkpoint_write()
    assert checkpoint.timestamp
    stored = evidence_dir / checkpoint.name.replace(".json", ".tsr")
    assert stored.read_bytes() == checkpoint.timestamp
    assert checkpoint_newest().timestamp == checkpoint.timestamp
    timestamp_check(checkpoint.timestamp, checkpoint.body)
    assert checkpoint_compare(checkpoint) == []
    # openssl itself agrees the token covers exactly the checkpoint's bytes.
    data = evidence_dir / checkpoint.name
    verified = subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(data), "-in", str(stored), "-CAfile", str(root)],
        capture_output=True,
        text=True,
    )
    assert "Verification: OK" in verified.stdout


def test_a_time_stamp_of_other_bytes_or_another_root_is_refused(case, tsa, settings, tmp_path):
    url, root = tsa
    settings.QUARRY_TSA_URL = url
    checkpoint = checkpoint_write()
    with pytest.raises(TimestampError, match="other bytes"):
        timestamp_check(checkpoint.timestamp, checkpoint.body + b" ")
    other = tmp_path / "other.pem"
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", str(tmp_path / "other.key"), "-out", str(other), "-days", "1",
        "-subj", "/CN=Someone Else", cwd=tmp_path,
    )  # fmt: skip
    settings.QUARRY_TSA_CA_FILE = str(other)
    with pytest.raises(TimestampError, match="does not verify"):
        timestamp_check(checkpoint.timestamp, checkpoint.body)
    findings = checkpoint_compare(checkpoint)
    assert [f.kind for f in findings] == ["TIMESTAMP"]


def test_an_unreachable_authority_costs_the_token_not_the_checkpoint(case, settings):
    settings.QUARRY_TSA_URL = "http://127.0.0.1:9/"
    settings.QUARRY_TSA_TIMEOUT_SECONDS = 2
    checkpoint = checkpoint_write()
    assert checkpoint.timestamp is None
    assert checkpoint_newest().name == checkpoint.name


def test_a_bundle_carries_the_time_stamp_and_verify_py_checks_it(
    case_with_material, larry, tsa, settings, tmp_path
):
    from tests.exports.conftest import build, unzip
    from tests.exports.test_bundle import lab_key, run_verifier

    settings.QUARRY_TSA_URL, _ = tsa
    checkpoint_write()
    root = unzip(build(case_with_material, larry), tmp_path / "out")
    token = root / "data/checkpoint/checkpoint.tsr"
    assert token.is_file()
    code, output = run_verifier(root, "--public-key", lab_key(tmp_path))
    assert code == 0, output
    assert "checkpoint time-stamped at" in output
