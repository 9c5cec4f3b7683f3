"""A process that delivers the outbox of a database, for tests that SIGKILL it mid-delivery.

    python -m tests.delivery_child DB CHANNEL [CHANNEL ...] [--hold-after-writing N]

It runs ``deliver_pending`` once and prints the report as JSON. Its User-Agent carries
its pid ("dealwatch-test-child/<pid>"), so a webhook receiving its POST knows whom to kill.
With ``--hold-after-writing N`` it stops after the N-th line a jsonl channel has written
(and fsynced), before the database records it: it prints "wrote <alert_id>" and waits on
stdin for the test to kill it. Nothing else about delivery is changed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict

from warehouse.channels import JsonlChannel
from warehouse.db import connect
from warehouse.delivery import deliver_pending


def hold_after_writing(count: int) -> None:
    send = JsonlChannel.send
    written = 0

    def send_then_hold(self, alert: dict) -> None:
        nonlocal written
        send(self, alert)
        written += 1
        if written == count:
            print(f"wrote {alert['alert_id']}", flush=True)
            sys.stdin.readline()  # the test kills us here; a test that does not gets an error below
            raise SystemExit("delivery_child: was not killed")

    JsonlChannel.send = send_then_hold


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("channels", nargs="+")
    parser.add_argument("--hold-after-writing", type=int, default=0)
    args = parser.parse_args()
    if args.hold_after_writing:
        hold_after_writing(args.hold_after_writing)
    con = connect(args.db)
    try:
        report = deliver_pending(con, args.channels, user_agent=f"dealwatch-test-child/{os.getpid()}",
                                 sleep=lambda seconds: None)
    finally:
        con.close()
    print(json.dumps(asdict(report)), flush=True)


if __name__ == "__main__":
    main()
