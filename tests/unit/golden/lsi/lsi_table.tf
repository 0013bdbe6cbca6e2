# DynamoTable default/lsi-table -> DynamoDB table lsi-table in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "lsi_table" {
  # ForceNew: changing name, hash_key or range_key makes Terraform replace the table (a new, empty table).
  name         = "lsi-table"
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
    name = "status"
    type = "S"
  }

  # ForceNew: adding, removing or changing a local secondary index replaces the table.
  local_secondary_index {
    name            = "StatusIndex"
    range_key       = "status"
    projection_type = "ALL"
  }

  tags = {
    Environment = "production"
    Name        = "LSI DynamoDB Table"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/lsi-table"
  }
}

import {
  to = aws_dynamodb_table.lsi_table
  id = "lsi-table"
}
