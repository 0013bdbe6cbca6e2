# DynamoTable staging/environment -> DynamoDB table staging-table in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "environment" {
  # ForceNew: changing name or hash_key makes Terraform replace the table (a new, empty table).
  name         = "staging-table"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

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
    Environment = "staging"
    Name        = "Staging DynamoDB Table"
    Project     = "multi-env-app"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "staging/environment"
  }
}

import {
  to = aws_dynamodb_table.environment
  id = "staging-table"
}
