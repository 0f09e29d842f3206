"""The create-and-poll floor for P5: the same CreateTable requests, nothing else.

    python bench/floor_create.py ENDPOINT KCL_VERSION NAME...

Does what any create that is safe to rerun must do, and nothing more: per table (the
companions and the index included, the requests `lease-tables create --kcl VERSION`
sends) one DescribeTable, then CreateTable when it is absent, ten tables at a time;
then DescribeTable of every table not yet ACTIVE every 50 ms until all are. No
reading of files, no checks of what exists, no reporting, no budget on requests: a
hand-written script that knows the answer.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3

from lease_tables.config.naming import LeaseTable
from lease_tables.model import kcl, spec


def main(endpoint: str, version: str, names: list[str]) -> None:
    layout = kcl.layout_for(version)
    tables = kcl.expand([LeaseTable(name, "us-east-1") for name in names], layout)
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint)
    requests = [kcl.create_table_request(t, spec.TableOptions(), layout) for t in tables]
    def ensure(request: dict) -> None:
        try:
            client.describe_table(TableName=request["TableName"])
        except client.exceptions.ResourceNotFoundException:
            client.create_table(**request)

    with ThreadPoolExecutor(10) as pool:
        list(pool.map(ensure, requests))
        pending = [r["TableName"] for r in requests]
        while pending:
            time.sleep(0.05)
            states = pool.map(lambda n: client.describe_table(TableName=n)["Table"], pending)
            pending = [t["TableName"] for t in states if t["TableStatus"] != "ACTIVE"
                       or any(i.get("IndexStatus") != "ACTIVE"
                              for i in t.get("GlobalSecondaryIndexes", []))]


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
