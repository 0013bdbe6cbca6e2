# DynamoTable default/orders-imported -> DynamoDB table orders-imported in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "orders_imported" {
  # ForceNew: changing name, hash_key or range_key makes Terraform replace the table (a new, empty table).
  name         = "orders-imported"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  range_key    = "createdAt"

  attribute {
    name = "id"
    type = "S"
  }

  attribute {
    name = "createdAt"
    type = "N"
  }

  point_in_time_recovery {
    enabled = true
  }

  tags = {
    Environment = "migration"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/orders-imported"
  }

  # spec.source: the table was created from this source. Kept as a comment: these arguments force
  # replacement, and the imported table has none of them, so they would make Terraform replace it.
  # import_table {
  #   input_format           = "DYNAMODB_JSON"
  #   input_compression_type = "GZIP"
  #
  #   s3_bucket_source {
  #     bucket       = "orders-exports"
  #     key_prefix   = "orders/"
  #     bucket_owner = "123456789012"
  #   }
  # }
}

import {
  to = aws_dynamodb_table.orders_imported
  id = "orders-imported"
}
