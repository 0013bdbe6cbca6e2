# TestAccDynamoDBTable_TTL_enabled (testAccTableConfig_timeToLive(rName, rName, true)).
resource "aws_dynamodb_table" "ttl" {
  hash_key       = "TestTableHashKey"
  name           = "tf-acc-ttl"
  read_capacity  = 1
  write_capacity = 1

  attribute {
    name = "TestTableHashKey"
    type = "S"
  }

  ttl {
    attribute_name = "tf-acc-ttl"
    enabled        = true
  }
}
