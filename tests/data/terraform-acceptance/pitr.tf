# TestAccDynamoDBTable_enablePITR, last step (testAccTableConfig_backup): point-in-time recovery on.
resource "aws_dynamodb_table" "pitr" {
  name           = "tf-acc-pitr"
  read_capacity  = 1
  write_capacity = 1
  hash_key       = "TestTableHashKey"

  attribute {
    name = "TestTableHashKey"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }
}
