# TestAccDynamoDBTable_BillingMode_payPerRequestToProvisioned, first step (testAccTableConfig_billingPayPerRequest).
resource "aws_dynamodb_table" "on_demand" {
  name         = "tf-acc-on-demand"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "TestTableHashKey"

  attribute {
    name = "TestTableHashKey"
    type = "S"
  }
}
