from django.core.files.storage import FileSystemStorage, storages


class EvidenceFileSystemStorage(FileSystemStorage):
    """Content-addressed local storage: files are written once, read-only on disk."""

    def __init__(self, **kwargs):
        kwargs.setdefault("file_permissions_mode", 0o440)
        kwargs.setdefault("directory_permissions_mode", 0o750)
        super().__init__(**kwargs)


def evidence_storage():
    return storages["evidence"]
