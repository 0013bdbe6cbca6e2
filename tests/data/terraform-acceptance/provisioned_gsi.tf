# TestAccDynamoDBTable_BillingModeGSI_provisionedToPayPerRequest, first step
# (testAccTableConfig_billingProvisionedGSI): PROVISIONED with a provisioned GSI.
resource "aws_dynamodb_table" "provisioned_gsi" {
  billing_mode   = "PROVISIONED"
  hash_key       = "TestTableHashKey"
  name           = "tf-acc-provisioned-gsi"
  read_capacity  = 1
  write_capacity = 1

  attribute {
    name = "TestTableHashKey"
    type = "S"
  }

  attribute {
    name = "TestTableGSIKey"
    type = "S"
  }

  global_secondary_index {
    hash_key        = "TestTableGSIKey"
    name            = "TestTableGSI"
    projection_type = "KEYS_ONLY"
    read_capacity   = 1
    write_capacity  = 1
  }
}
