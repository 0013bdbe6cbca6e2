"""The embedded local DynamoDB endpoint: moto's server behind a middleware that makes the control plane act like AWS.

    with LocalEndpoint(latency=Latency(create=2, gsi_create=4)) as endpoint:
        boto3.client("dynamodb", endpoint_url=endpoint.url, region_name="us-east-1", ...)

Requests are DynamoDB JSON 1.0 (`X-Amz-Target: DynamoDB_20120810.<Operation>`); the region comes from the SigV4
credential scope and the account from the access key, as in moto. Transitions are timed with an injectable
monotonic clock and settled lazily at the start of each request, which visits only the tables with a transition
due (Registry.pending), so a request costs the same with 10 or 10,000 tables. Source keys ([API], [DG-*], [TF],
[ACK], [BC], sections A<n>/B<n>) are those of the project's rule book, docs/reference/dynamodb-rules.md.

Behaviour                                   | AWS (source)                                        | where
------------------------------------------- | --------------------------------------------------- | ----------------
CreateTable -> CREATING for latency.create, | asynchronous create, indexes CREATING with the      | controlplane
  GSIs CREATING, then ACTIVE                |   table [API CreateTable, A2]                       |
UpdateTable -> UPDATING for latency.update  | [API UpdateTable, A3]                               | controlplane
DeleteTable -> DELETING for latency.delete, | [API DeleteTable, A12]; repeat on DELETING is no    | controlplane
  then ResourceNotFoundException            |   error [API]                                       |
GSI create: CREATING, Backfilling false     | resource allocation then backfill [DG-GSI, A1];     | controlplane,
  (1st half, table UPDATING) then true      |   Backfilling only for UpdateTable GSIs [API]       |   describe
GSI delete: DELETING for gsi_delete, then   | [DG-GSI]; attributes pruned with the last index     | controlplane
  removed, AttributeDefinitions pruned      |   using them [API, A6]                              |
ResourceInUse while CREATING/UPDATING/      | [API UpdateTable/DeleteTable, TF "Table is being    | controlplane
  DELETING (UpdateTable, DeleteTable)       |   updated: <t>", A4]                                |
ResourceInUse for TTL/Tag/Untag while       | [API error lists, A4]; PITR answers                 | subresources
  CREATING/DELETING; PITR while CREATING    |   ContinuousBackupsUnavailable [TF, A9]             |
DeleteTable refused while any index moves   | [DG-GSI, A4]                                        | controlplane
Index phases: delete refused while          | [DG-GSI, A4]; other index create/delete ->          | controlplane
  allocating, allowed while backfilling     |   LimitExceeded "Only 1 online index ..."           |
One GSI Create or Delete per call           | [API GlobalSecondaryIndexUpdates, DG-Q, A3.2]       | updates
No GSI create/delete with table PT or       | [API, TF, A3.1-2]                                   | updates
  a stream change                           |                                                     |
SSESpecification alone                      | [TF, A3.4] "Server-Side Encryption modification     | updates
                                            |   must be the only operation in the request"        |
No-op update refused: no change member,     | [API, A3.7] "The provisioned throughput for the     | updates
  same table or GSI throughput              |   table will not change..."                         |
PAY_PER_REQUEST + ProvisionedThroughput;    | [API BillingMode, TF, A3.5]                         | updates
  ->PROVISIONED without table/every-GSI PT  |                                                     |
GSI Create on PROVISIONED without PT        | [API CreateGlobalSecondaryIndexAction, A14]         | updates
Unknown GSI Update/Delete -> 400            | moto answers HTTP 500 [B1]                          | updates
  ResourceNotFoundException                 |                                                     |
Stream: enable when enabled, disable when   | [API StreamSpecification, DG-STR, A7]               | updates
  none, enable without view type refused    |                                                     |
Stream re-enable -> new LatestStreamArn;    | [DG-STR, A7]; moto refuses re-enable and crashes    | controlplane
  writes after disable keep working         |   on writes after a disable [B1, B2]                |
AttributeDefinitions merged, new GSI keys   | [API, A3.3, A6]; moto replaces them wholesale [B1]  | updates
  required                                  |                                                     |
SSE update recorded: SSEDescription KMS +   | [API SSESpecification, DG-SSE, A10]; moto ignores   | controlplane,
  key ARN, absent for AWS owned, status     |   SSE updates and echoes key ids [B1]               |   motobackend
  ENABLING/UPDATING/DISABLING while running |                                                     |
TableClass -> TableClassSummary             | [API, DG-TC]; ignored by moto [B1]                  | describe
OnDemandThroughput (table, GSI) recorded,   | [API, A14, DG-ODMAX]; ignored by moto [B1]          | describe
  dropped on switch to PROVISIONED          |                                                     |
PAY_PER_REQUEST reports PT 0/0 (table, GSI) | [ACK, A1]; moto keeps the old PT [B1]               | controlplane
BillingModeSummary (+ last switch to PPR);  | [API, A1]                                           | describe
  absent if billing mode never given        |                                                     |
DescribeTable shape: empty index lists      | [API, A1]; moto always sends [] [B1]                | describe
  absent, no indexes while DELETING, TableId|                                                     |
ReplicaUpdates Create/Delete makes/removes  | [API ReplicaUpdates, DG-GT, A13]; moto ignores      | replicas
  the table in the other region; Replicas[] |   ReplicaUpdates [B1]                               |
  (CREATING/DELETING/ACTIVE) and            |                                                     |
  GlobalTableVersion 2019.11.21 both ways   |                                                     |
Replica rules: alone, one action, not the   | [ACK, TF #13523, aws-cli #4906, TF #13097, A3.6,    | updates,
  local region, PROVISIONED needs write     |   A13]                                              |   replicas
  auto scaling                              |                                                     |
Replica streams: any view type; a table     | [A7, TF #43625, TF #19342, #34450]                  | replicas,
  without one gets NEW_AND_OLD_IMAGES with  |                                                     |   updates
  its first replica; no disable while       |                                                     |
  replicas exist                            |                                                     |
Global table fan-out: GSIs, capacity,       | [DG-GT, A13]                                        | controlplane,
  class, TTL applied in every region        |                                                     |   subresources
Replica overrides (throughput, index,      | [API ReplicationGroupMemberAction, A13.1]; moto     | global_tables,
  table class) kept and described          |   ignores them [B1]                                 |   replicas
STRONG global tables: one call, 3 regions  | [DG-MRSC, API GlobalTableWitnessUpdates, A13.2];    | global_tables,
  of one set, empty table; witness         |   moto ignores them [B1]                            |   updates,
  CREATING -> ACTIVE; consistency described |                                                     |   replicas
Tags: upsert, aws: prefix and >50 refused,  | [API TagResource, DG-TAG, A11]; moto duplicates     | subresources
  missing ARN -> ResourceNotFound           |   keys and ignores missing ARNs [B1]                |
TTL: already enabled/disabled, attribute    | [API UpdateTimeToLive, ACK, DG-Q, A5, A8]           | subresources
  switch while enabled, 1 change per        |                                                     |
  Rules.ttl_change_window refused           |                                                     |
PITR RecoveryPeriodInDays 1..35             | [API UpdateContinuousBackups, A9]; moto takes 36    | subresources
Faults: throttle (400), 500, dropped        | botocore retry classes [BC, A15]; LimitExceeded     | faults
  connection, ResourceInUse, LimitExceeded  |   "simultaneously" [TF, A4]                         |
  "simultaneously"; seeded; before moto     |                                                     |
Capacity decreases: 4 per UTC day, then 1   | [DG-Q, A5]; AWS's LimitExceeded text with "Next     | limits,
  per 3600 s after the last; table and each |   decrease can be made at ..."; moto counts nothing |   controlplane
  GSI apart; NumberOfDecreasesToday resets  |   [B1]                                              |
Switches to PAY_PER_REQUEST: 4 in a rolling | [DG-SW, A5]; LimitExceeded "Update to PayPerRequest | limits,
  24 h; back to PROVISIONED any time        |   mode are limited to ..." [reported 2019 text]     |   controlplane
  (both in Rules, AWS's values by default)  |                                                     |
Per account and region: 500 tables in a     | [DG-Q, API, A18]; LimitExceeded "...simultaneously" | limits,
  table operation, 250 indexed creates,     |   and ThrottlingException; moto counts nothing [B1] |   controlplane,
  2,500 control-plane requests/s (Rules)    |                                                     |   state
Contributor insights (table, GSI): ENABLING/ | [API UpdateContributorInsights, DG-Q, A20]; moto    | insights
  DISABLING for latency.insights, modes,    |   has none of these APIs [B1]                       |
  5 requests/s per API (Rules.insights_rps) |                                                     |
Kinesis streaming destinations: the stream  | [API EnableKinesisStreamingDestination, A21]; moto  | kinesis_
  of moto's Kinesis in the same account and |   has none of these APIs [B1]                       |   destination
  region; ENABLING/UPDATING/DISABLING for   |                                                     |
  latency.kinesis; precision                |                                                     |
On-demand backups: CREATING for latency.    | [API CreateBackup, DG-BAK, A25]; moto: AVAILABLE at | on_demand_
  backup, then AVAILABLE; TableInUse while  |   once, ListBackups unfiltered [B1]; the source of  |   backups
  the table is CREATING/DELETING; no        |   a backup in progress is not deletable (code       |
  DeleteTable during a backup; fault        |   unconfirmed)                                      |
  backup_unavailable                        |                                                     |
Dates on the endpoint clock (LocalEndpoint  | stream labels `2026-12-01T08:35:42.690` (UTC, ms,   | timestamps,
  epoch=...): CreationDateTime, labels,     |   no zone) [API, TF streamLabelRegex]; JSON epoch   |   describe
  Last*DateTime, PITR window; ms in JSON    |   seconds with milliseconds; moto: microseconds     |
One moto call at a time, any service; the   | moto's find-or-create races (two "AWS managed" keys | middleware,
  AWS managed key alias/aws/dynamodb made   |   break Terraform's aws_kms_alias: "too many        |   kms
  once; predefined aliases without a key    |   results"); [KMS API ListAliases]                  |
  listed without TargetKeyId                |                                                     |
"""

from .config import Faults, Latency, Rules, parse_faults, parse_latency
from .middleware import RecordedRequest
from .server import LocalEndpoint, serve_forever

__all__ = [
    "Faults",
    "Latency",
    "LocalEndpoint",
    "RecordedRequest",
    "Rules",
    "parse_faults",
    "parse_latency",
    "serve_forever",
]
