"""[A24] A DynamoTable with spec.source through kopf: the table is restored, tagged as ours, synced, and the
status records where its data came from."""

from __future__ import annotations

from operator_harness import Harness, eventually, table_spec


async def test_a_table_restored_from_a_backup_is_synced_with_its_data_and_status_source(harness: Harness) -> None:
    h = harness
    source = f"{h.namespace}-orders-live"
    ddb = h.ddb()
    ddb.create_table(
        TableName=source,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    await eventually(lambda: (h.describe(source) or {}).get("TableStatus") == "ACTIVE")
    ddb.put_item(TableName=source, Item={"id": {"S": "o-1"}})
    backup = ddb.create_backup(TableName=source, BackupName="nightly")["BackupDetails"]["BackupArn"]
    await h.start()
    table = f"{h.namespace}-orders"
    await h.create("orders", table_spec(tableName=table, source={"backup": {"backupArn": backup}}, tags={"a": "1"}))
    await eventually(lambda: h.ready("orders"))

    assert [i["id"]["S"] for i in ddb.scan(TableName=table)["Items"]] == ["o-1"]
    assert h.tags(table) == {"a": "1", "dynamotable.io/owner": f"{h.namespace}/orders"}
    status = h.status("orders")
    assert status["source"]["kind"] == "backup" and status["source"]["arn"] == backup
    assert status["source"]["status"] == "RESTORED"
    assert status["tableArn"] == h.describe(table)["TableArn"]  # type: ignore[index]
    assert "AdoptionRequired" not in h.reasons("orders")
    operations = [r.operation for r in h.aws(mutating=True)]
    assert operations.count("CreateTable") == 1  # the source's: the new table is made by the restore
    assert operations.index("RestoreTableFromBackup") < operations.index("TagResource")
