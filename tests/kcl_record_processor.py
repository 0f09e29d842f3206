"""The record processor the real KCL runs in `tests/kclproof.py`: amazon_kclpy's v3
interface, one process per shard, started by KCL's MultiLangDaemon.

It appends one JSON line per record to the file named by its one argument (a single
`write` on a file opened for appending, so the shards' processes never interleave a
line), and checkpoints after every batch, so the lease items show KCL's checkpoints.
stdout is KCL's protocol channel: nothing else may be printed there.

Usage (as KCL's `executableName`): `python kcl_record_processor.py OUT_FILE`.
"""

from __future__ import annotations

import json
import os
import sys

from amazon_kclpy import kcl
from amazon_kclpy.v3 import processor


class AppendingProcessor(processor.RecordProcessorBase):
    def __init__(self, out: str) -> None:
        self.out = out
        self.shard = "?"

    def _append(self, entry: dict) -> None:
        fd = os.open(self.out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (json.dumps(entry) + "\n").encode())
        finally:
            os.close(fd)

    def initialize(self, initialize_input) -> None:
        self.shard = initialize_input.shard_id
        self._append({"event": "initialize", "shard": self.shard})

    def process_records(self, process_records_input) -> None:
        for record in process_records_input.records:
            self._append({"event": "record", "shard": self.shard,
                          "seq": record.sequence_number,
                          "key": record.partition_key,
                          "data": record.binary_data.decode("utf-8", "replace")})
        if process_records_input.records:
            try:
                process_records_input.checkpointer.checkpoint()
            except kcl.CheckpointError as error:
                sys.stderr.write(f"checkpoint failed: {error}\n")

    def lease_lost(self, lease_lost_input) -> None:
        self._append({"event": "lease_lost", "shard": self.shard})

    def shard_ended(self, shard_ended_input) -> None:
        shard_ended_input.checkpointer.checkpoint()

    def shutdown_requested(self, shutdown_requested_input) -> None:
        try:
            shutdown_requested_input.checkpointer.checkpoint()
        except kcl.CheckpointError as error:
            sys.stderr.write(f"checkpoint at shutdown failed: {error}\n")


if __name__ == "__main__":
    kcl.KCLProcess(AppendingProcessor(sys.argv[1])).run()
