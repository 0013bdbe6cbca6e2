# DynamoTable default/advanced -> DynamoDB table advanced-table in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "advanced" {
  # ForceNew: changing name, hash_key or range_key makes Terraform replace the table (a new, empty table).
  name         = "advanced-table"
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

  attribute {
    name = "status"
    type = "S"
  }

  # Changing hash_key, range_key, projection_type or non_key_attributes recreates this index.
  global_secondary_index {
    name            = "CategoryIndex"
    hash_key        = "category"
    range_key       = "timestamp"
    projection_type = "ALL"
  }

  # ForceNew: adding, removing or changing a local secondary index replaces the table.
  local_secondary_index {
    name            = "StatusIndex"
    range_key       = "status"
    projection_type = "ALL"
  }

  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  tags = {
    Environment = "production"
    Name        = "Advanced DynamoDB Table"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/advanced"
  }
}

import {
  to = aws_dynamodb_table.advanced
  id = "advanced-table"
}
