# TestAccDynamoDBTable_streamSpecification (testAccTableConfig_streamSpecification(rName, true, "KEYS_ONLY")).
resource "aws_dynamodb_table" "stream" {
  name           = "tf-acc-stream"
  read_capacity  = 1
  write_capacity = 2
  hash_key       = "TestTableHashKey"

  attribute {
    name = "TestTableHashKey"
    type = "S"
  }

  stream_enabled   = true
  stream_view_type = "KEYS_ONLY"
}
