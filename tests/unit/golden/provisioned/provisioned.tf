# DynamoTable default/provisioned -> DynamoDB table provisioned-table in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "provisioned" {
  # ForceNew: changing name or hash_key makes Terraform replace the table (a new, empty table).
  name           = "provisioned-table"
  billing_mode   = "PROVISIONED"
  read_capacity  = 5
  write_capacity = 5
  hash_key       = "id"

  attribute {
    name = "id"
    type = "S"
  }

  attribute {
    name = "category"
    type = "S"
  }

  attribute {
    name = "timestamp"
    type = "N"
  }

  # Changing hash_key, range_key, projection_type or non_key_attributes recreates this index.
  global_secondary_index {
    name            = "CategoryIndex"
    hash_key        = "category"
    range_key       = "timestamp"
    projection_type = "ALL"
    read_capacity   = 5
    write_capacity  = 5
  }

  tags = {
    Environment = "production"
    Name        = "Provisioned DynamoDB Table"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/provisioned"
  }
}

import {
  to = aws_dynamodb_table.provisioned
  id = "provisioned-table"
}
