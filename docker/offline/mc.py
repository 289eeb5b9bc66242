#!/opt/moto/bin/python
"""The few MinIO client commands docker/compose.yml runs, against the moto stand-in:
`mc ready ALIAS`, `mc alias set NAME URL KEY SECRET`, `mc mb [--ignore-existing] NAME/BUCKET`,
`mc anonymous set none NAME/BUCKET` (moto's buckets are private already)."""

import json
import sys
import urllib.request
from pathlib import Path

import boto3

ALIASES = Path("/tmp/mc-aliases.json")


def client(alias: str):
    config = json.loads(ALIASES.read_text())[alias]
    return boto3.client(
        "s3",
        endpoint_url=config["url"],
        aws_access_key_id=config["key"],
        aws_secret_access_key=config["secret"],
        region_name="us-east-1",
    )


def main(args: list[str]) -> int:
    match args:
        case ["ready", _alias]:
            try:
                urllib.request.urlopen("http://127.0.0.1:9000/", timeout=3)
            except OSError as error:
                print(f"not ready: {error}", file=sys.stderr)
                return 1
            return 0
        case ["alias", "set", name, url, key, secret]:
            aliases = json.loads(ALIASES.read_text()) if ALIASES.exists() else {}
            aliases[name] = {"url": url, "key": key, "secret": secret}
            ALIASES.write_text(json.dumps(aliases))
            return 0
        case ["mb", *options, target] if set(options) <= {"--ignore-existing"}:
            alias, bucket = target.split("/", 1)
            s3 = client(alias)
            existing = {b["Name"] for b in s3.list_buckets()["Buckets"]}
            if bucket in existing:
                if options:
                    return 0
                print(f"bucket {bucket} exists", file=sys.stderr)
                return 1
            s3.create_bucket(Bucket=bucket)
            return 0
        case ["anonymous", "set", "none", _target]:
            return 0
    print(f"mc stand-in: unsupported command {' '.join(args)!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
