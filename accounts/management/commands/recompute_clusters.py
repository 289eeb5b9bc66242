from django.core.management.base import BaseCommand

from accounts.clustering import cluster_recompute_all


class Command(BaseCommand):
    help = "Recompute every account cluster now (the same work as the background task)."

    def handle(self, *args, **options):
        def progress(percent: int, phase: str) -> None:
            self.stdout.write(f"{percent:3d}% {phase}")

        result = cluster_recompute_all(progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.clusters:,} clusters over {result.accounts:,} accounts: "
                f"{result.kept:,} kept their id, {result.created:,} new, "
                f"{result.dissolved:,} dissolved, {result.moved:,} accounts moved."
            )
        )
