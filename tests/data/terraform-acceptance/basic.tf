# TestAccDynamoDBTable_basic (testAccTableConfig_basic): the provider's defaults, PROVISIONED 1/1.
resource "aws_dynamodb_table" "basic" {
  name           = "tf-acc-basic"
  read_capacity  = 1
  write_capacity = 1
  hash_key       = "tf-acc-basic"

  attribute {
    name = "tf-acc-basic"
    type = "S"
  }
}
