# TestAccDynamoDBTable_tags (testAccTableConfig_tags): a table with three tags.
resource "aws_dynamodb_table" "tags" {
  name           = "tf-acc-tags"
  read_capacity  = 1
  write_capacity = 1
  hash_key       = "TestTableHashKey"

  attribute {
    name = "TestTableHashKey"
    type = "S"
  }

  tags = {
    Name    = "terraform-test-table-tf-acc-tags"
    AccTest = "yes"
    Testing = "absolutely"
  }
}
