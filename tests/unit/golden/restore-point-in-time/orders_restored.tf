# DynamoTable default/orders-restored -> DynamoDB table orders-restored in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "orders_restored" {
  # ForceNew: changing name or hash_key makes Terraform replace the table (a new, empty table).
  name         = "orders-restored"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  tags = {
    Environment = "recovery"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/orders-restored"
  }

  # spec.source: the table was created from this source. Kept as a comment: these arguments force
  # replacement, and the imported table has none of them, so they would make Terraform replace it.
  # restore_source_name    = "orders-live"
  # restore_to_latest_time = true
}

import {
  to = aws_dynamodb_table.orders_restored
  id = "orders-restored"
}
