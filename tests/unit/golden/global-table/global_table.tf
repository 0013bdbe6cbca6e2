# DynamoTable default/global-table -> DynamoDB table global-table in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "global_table" {
  # ForceNew: changing name or hash_key makes Terraform replace the table (a new, empty table).
  name         = "global-table"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  replica {
    region_name = "us-west-2"
  }

  tags = {
    Environment = "production"
    Name        = "Global DynamoDB Table"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/global-table"
  }
}

import {
  to = aws_dynamodb_table.global_table
  id = "global-table"
}
