# DynamoTable prod/environment -> DynamoDB table prod-table in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "environment" {
  # ForceNew: changing name or hash_key makes Terraform replace the table (a new, empty table).
  name           = "prod-table"
  billing_mode   = "PROVISIONED"
  read_capacity  = 10
  write_capacity = 10
  hash_key       = "id"

  attribute {
    name = "id"
    type = "S"
  }

  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  server_side_encryption {
    enabled     = true
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  tags = {
    Environment = "prod"
    Name        = "Prod DynamoDB Table"
    Project     = "multi-env-app"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "prod/environment"
  }
}

import {
  to = aws_dynamodb_table.environment
  id = "prod-table"
}
