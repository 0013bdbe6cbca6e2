# TestAccDynamoDBTable_encryption, last step (testAccTableConfig_initialStateEncryptionAmazonCMK(rName, true)):
# encrypted with the AWS managed key alias/aws/dynamodb, which the data source looks up.
data "aws_kms_alias" "dynamodb" {
  name = "alias/aws/dynamodb"
}

resource "aws_dynamodb_table" "encryption" {
  name           = "tf-acc-encryption"
  read_capacity  = 1
  write_capacity = 1
  hash_key       = "TestTableHashKey"

  attribute {
    name = "TestTableHashKey"
    type = "S"
  }

  server_side_encryption {
    enabled = true
  }
}

output "aws_managed_key_arn" {
  value = data.aws_kms_alias.dynamodb.target_key_arn
}
