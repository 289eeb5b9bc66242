from django.core.management.base import BaseCommand

from devdata.reference_feed import CampaignFeed, make_server


class Command(BaseCommand):
    help = (
        "Run the reference detector: a pull feed at http://HOST:PORT/feed serving a synthetic "
        "distillation campaign, as live signals arriving at --rate per second."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--accounts", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=11)
        parser.add_argument(
            "--rate", type=float, default=5.0, help="Signals per second; 0: all at once."
        )
        parser.add_argument(
            "--total", type=int, default=None, help="Stop the feed after N signals."
        )
        parser.add_argument("--auth-header", default="", help='Required header, "Name: value".')
        parser.add_argument(
            "--clusters", type=int, default=0, help="Signals from the first N clusters; 0: all."
        )
        parser.add_argument(
            "--cluster-every",
            type=int,
            default=0,
            help="With --clusters: start with one cluster, one more every N signals.",
        )

    def handle(
        self,
        *args,
        host,
        port,
        accounts,
        seed,
        rate,
        total,
        auth_header,
        clusters,
        cluster_every,
        **options,
    ):
        feed = CampaignFeed(
            accounts=accounts,
            seed=seed,
            total=total,
            rate=rate or None,
            clusters=clusters or None,
            cluster_every=cluster_every,
        )
        server = make_server(feed, host=host, port=port, auth_header=auth_header)
        self.stdout.write(
            f"Reference detector feed on http://{host}:{server.server_port}/feed "
            f"({accounts} accounts, {rate or 'all'} signals/s)"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
