from django.core.management.base import BaseCommand

from exports.checkpoints import checkpoint_write


class Command(BaseCommand):
    help = (
        "Write an audit checkpoint now: every case chain's length and head hash and a Merkle "
        "root over them, signed with the export key, to checkpoints/ in the evidence store "
        "(time-stamped when QUARRY_TSA_URL is set)."
    )

    def handle(self, *args, **options):
        checkpoint = checkpoint_write()
        document = checkpoint.document
        stamped = "with an RFC 3161 time stamp" if checkpoint.timestamp else "no time stamp"
        self.stdout.write(
            self.style.SUCCESS(
                f"Checkpoint {checkpoint.name}: {document['tree_size']} chain(s), "
                f"Merkle root {document['merkle_root']}, {stamped}."
            )
        )
