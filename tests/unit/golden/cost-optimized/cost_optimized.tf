# DynamoTable default/cost-optimized -> DynamoDB table cost-optimized-table in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "cost_optimized" {
  # ForceNew: changing name or hash_key makes Terraform replace the table (a new, empty table).
  name         = "cost-optimized-table"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  ttl {
    attribute_name = "ttl"
    enabled        = true
  }

  tags = {
    Environment = "production"
    Name        = "Cost Optimized DynamoDB Table"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/cost-optimized"
  }
}

import {
  to = aws_dynamodb_table.cost_optimized
  id = "cost-optimized-table"
}
