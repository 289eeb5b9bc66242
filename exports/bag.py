"""A BagIt 1.0 bag (RFC 8493) written straight into a zip, one pass per file: each file is
streamed into a stored (uncompressed) zip entry in chunks while its SHA-256 and SHA-512 are
computed, so memory stays flat whatever the file sizes, and the manifests come out of the same
pass. Nothing here knows about Django."""

import hashlib
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

ALGORITHMS = ("sha256", "sha512")
# Tag files that the tag manifests cover; the signature over tagmanifest-sha512.txt cannot be
# one of them, and RFC 8493 allows other tag files beside them.
SIGNATURE_FILE = "signature.ed25519"


class BackgroundHash:
    """A hash fed from its own thread. hashlib releases the GIL on large buffers, so this hash
    runs on another core while the caller hashes, copies and writes the same chunk. At most one
    chunk waits for it, so memory stays bounded by the chunk size."""

    def __init__(self, name: str):
        self._hasher = hashlib.new(name)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"bag-{name}")
        self._pending: Future | None = None

    def update(self, data: bytes) -> None:
        # The chunk must never change once handed over: callers pass immutable bytes.
        if self._pending is not None:
            self._pending.result()
        self._pending = self._pool.submit(self._hasher.update, data)

    def hexdigest(self) -> str:
        if self._pending is not None:
            self._pending.result()
            self._pending = None
        return self._hasher.hexdigest()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class HashingOutput:
    """The zip's output file: counts and hashes what is written. It has no seek(), so zipfile
    writes each entry strictly in order (sizes go in data descriptors) and the SHA-256 of the
    whole bundle comes out of the same single pass."""

    def __init__(self, handle):
        self._handle = handle
        self._sha256 = BackgroundHash("sha256")
        self.size = 0

    def write(self, data) -> int:
        data = bytes(data)
        self._sha256.update(data)
        self._handle.write(data)
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self._handle.flush()

    def sha256(self) -> str:
        return self._sha256.hexdigest()

    def close(self) -> None:
        self._sha256.close()


@dataclass(frozen=True)
class Digest:
    path: str
    size: int
    sha256: str
    sha512: str


def manifest_path(path: str) -> str:
    """RFC 8493 §2.1.3: CR, LF and % in a manifest path are percent-encoded."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


class BagZipWriter:
    def __init__(self, fileobj, *, root: str, when: datetime):
        self._zip = zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_STORED, allowZip64=True)
        self.root = root
        self._date_time = when.timetuple()[:6]
        self.payload: list[Digest] = []
        self.tags: list[Digest] = []

    def _info(self, path: str, size: int | None) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(f"{self.root}/{path}", date_time=self._date_time)
        info.compress_type = zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        if size is not None:
            info.file_size = size
        return info

    def add(
        self,
        path: str,
        chunks: Iterable[bytes],
        *,
        size: int | None = None,
        listed: bool = True,
        on_chunk: Callable[[int], None] | None = None,
    ) -> Digest:
        """Stream one file into the bag. Paths under data/ are payload; the rest are tag files,
        covered by the tag manifests when `listed`."""
        sha256, sha512, written = hashlib.sha256(), BackgroundHash("sha512"), 0
        try:
            # A known size lets zipfile choose between a plain and a ZIP64 header up front; an
            # unknown one (generated files) always gets ZIP64 so that it may grow past 4 GiB.
            with self._zip.open(self._info(path, size), "w", force_zip64=size is None) as out:
                for chunk in chunks:
                    if not chunk:
                        continue
                    sha256.update(chunk)
                    sha512.update(chunk)
                    out.write(chunk)
                    written += len(chunk)
                    if on_chunk is not None:
                        on_chunk(len(chunk))
            digest = Digest(path, written, sha256.hexdigest(), sha512.hexdigest())
        finally:
            sha512.close()
        if path.startswith("data/"):
            self.payload.append(digest)
        elif listed:
            self.tags.append(digest)
        return digest

    def add_bytes(self, path: str, data: bytes, *, listed: bool = True) -> Digest:
        return self.add(path, [data], size=len(data), listed=listed)

    def payload_oxum(self) -> str:
        return f"{sum(d.size for d in self.payload)}.{len(self.payload)}"

    def add_manifests(self) -> None:
        for algorithm in ALGORITHMS:
            self.add_bytes(f"manifest-{algorithm}.txt", _manifest(self.payload, algorithm))

    def add_tag_manifests(self) -> bytes:
        """Write both tag manifests; return the bytes of tagmanifest-sha512.txt (to be signed)."""
        tags = list(self.tags)
        contents = {algorithm: _manifest(tags, algorithm) for algorithm in ALGORITHMS}
        for algorithm, content in contents.items():
            self.add_bytes(f"tagmanifest-{algorithm}.txt", content, listed=False)
        return contents["sha512"]

    def close(self) -> None:
        self._zip.close()

    def abandon(self) -> None:
        """Drop a bag that will not be finished: without this, zipfile would still write its
        central directory when collected, into a file that is already closed and deleted."""
        self._zip.fp = None


def _manifest(digests: list[Digest], algorithm: str) -> bytes:
    lines = [f"{getattr(d, algorithm)}  {manifest_path(d.path)}\n" for d in digests]
    return "".join(sorted(lines, key=lambda line: line.split("  ", 1)[1])).encode()


def bagit_txt() -> bytes:
    return b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


def bag_info_txt(fields: list[tuple[str, str]]) -> bytes:
    lines = []
    for label, value in fields:
        # A value is one line: RFC 8493 allows folding, but one line per field is what every
        # reader handles, and what a person editing a line will break visibly.
        flat = " ".join(str(value).split())
        lines.append(f"{label}: {flat}\n")
    return "".join(lines).encode()
