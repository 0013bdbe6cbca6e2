# DynamoTable default/main-with-sort -> DynamoDB table main-with-sort-table in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "main_with_sort" {
  # ForceNew: changing name, hash_key or range_key makes Terraform replace the table (a new, empty table).
  name         = "main-with-sort-table"
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

  tags = {
    Environment = "production"
    Name        = "Main with Sort DynamoDB Table"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/main-with-sort"
  }
}

import {
  to = aws_dynamodb_table.main_with_sort
  id = "main-with-sort-table"
}
