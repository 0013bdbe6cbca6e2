# DynamoTable default/environment -> DynamoDB table multi-env-table in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "environment" {
  # ForceNew: changing name or hash_key makes Terraform replace the table (a new, empty table).
  name         = "multi-env-table"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  stream_enabled = false

  server_side_encryption {
    enabled = false
  }

  tags = {
    Environment = "base"
    Name        = "Multi-environment DynamoDB Table"
    Project     = "multi-env-app"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/environment"
  }
}

import {
  to = aws_dynamodb_table.environment
  id = "multi-env-table"
}
