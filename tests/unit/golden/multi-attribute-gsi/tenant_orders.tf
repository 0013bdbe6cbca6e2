# DynamoTable default/tenant-orders -> DynamoDB table tenant-orders in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "tenant_orders" {
  # ForceNew: changing name or hash_key makes Terraform replace the table (a new, empty table).
  name         = "tenant-orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "orderId"

  attribute {
    name = "orderId"
    type = "S"
  }

  attribute {
    name = "tenantId"
    type = "S"
  }

  attribute {
    name = "region"
    type = "S"
  }

  attribute {
    name = "day"
    type = "S"
  }

  attribute {
    name = "status"
    type = "S"
  }

  # Changing key_schema, projection_type or non_key_attributes recreates this index.
  global_secondary_index {
    name            = "ByTenantAndDay"
    projection_type = "ALL"

    key_schema {
      attribute_name = "tenantId"
      key_type       = "HASH"
    }

    key_schema {
      attribute_name = "region"
      key_type       = "HASH"
    }

    key_schema {
      attribute_name = "day"
      key_type       = "RANGE"
    }

    key_schema {
      attribute_name = "orderId"
      key_type       = "RANGE"
    }
  }

  # Changing hash_key, range_key, projection_type or non_key_attributes recreates this index.
  global_secondary_index {
    name            = "ByStatus"
    hash_key        = "status"
    range_key       = "day"
    projection_type = "KEYS_ONLY"
  }

  tags = {
    Environment = "production"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/tenant-orders"
  }
}

import {
  to = aws_dynamodb_table.tenant_orders
  id = "tenant-orders"
}
