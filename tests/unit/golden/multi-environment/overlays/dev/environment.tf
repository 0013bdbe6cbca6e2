# DynamoTable dev/environment -> DynamoDB table dev-table in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "environment" {
  # ForceNew: changing name or hash_key makes Terraform replace the table (a new, empty table).
  name         = "dev-table"
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
    Environment = "dev"
    Name        = "Dev DynamoDB Table"
    Project     = "multi-env-app"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "dev/environment"
  }
}

import {
  to = aws_dynamodb_table.environment
  id = "dev-table"
}
