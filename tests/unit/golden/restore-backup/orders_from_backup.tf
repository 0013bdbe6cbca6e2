# DynamoTable default/orders-from-backup -> DynamoDB table orders-from-backup in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "orders_from_backup" {
  # ForceNew: changing name or hash_key makes Terraform replace the table (a new, empty table).
  name         = "orders-from-backup"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  attribute {
    name = "status"
    type = "S"
  }

  # Changing hash_key, range_key, projection_type or non_key_attributes recreates this index.
  global_secondary_index {
    name            = "ByStatus"
    hash_key        = "status"
    projection_type = "ALL"
  }

  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  deletion_protection_enabled = true

  tags = {
    Environment = "recovery"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/orders-from-backup"
  }

  # spec.source: the table was created from this source. Kept as a comment: these arguments force
  # replacement, and the imported table has none of them, so they would make Terraform replace it.
  # restore_backup_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/orders-live/backup/01764633600000-a1b2c3d4"
}

import {
  to = aws_dynamodb_table.orders_from_backup
  id = "orders-from-backup"
}
