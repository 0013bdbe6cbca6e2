# DynamoTable default/debug-gsi -> DynamoDB table debug-gsi-table in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "debug_gsi" {
  # ForceNew: changing name, hash_key or range_key makes Terraform replace the table (a new, empty table).
  name         = "debug-gsi-table"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  range_key    = "timestamp"

  attribute {
    name = "id"
    type = "S"
  }

  attribute {
    name = "timestamp"
    type = "N"
  }

  attribute {
    name = "category"
    type = "S"
  }

  # Changing hash_key, range_key, projection_type or non_key_attributes recreates this index.
  global_secondary_index {
    name            = "CategoryIndex"
    hash_key        = "category"
    range_key       = "timestamp"
    projection_type = "ALL"
  }

  tags = {
    Environment = "production"
    Name        = "Debug GSI DynamoDB Table"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/debug-gsi"
  }
}

import {
  to = aws_dynamodb_table.debug_gsi
  id = "debug-gsi-table"
}
