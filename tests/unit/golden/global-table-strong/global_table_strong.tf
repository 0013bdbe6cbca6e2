# DynamoTable default/global-table-strong -> DynamoDB table global-table-strong in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "global_table_strong" {
  # ForceNew: changing name or hash_key makes Terraform replace the table (a new, empty table).
  name         = "global-table-strong"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "accountId"

  attribute {
    name = "accountId"
    type = "S"
  }

  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  replica {
    region_name      = "us-east-2"
    consistency_mode = "STRONG"
  }

  global_table_witness {
    region_name = "us-west-2"
  }

  tags = {
    Environment = "production"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/global-table-strong"
  }
}

import {
  to = aws_dynamodb_table.global_table_strong
  id = "global-table-strong"
}
