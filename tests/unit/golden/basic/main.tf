# DynamoTable default/main -> DynamoDB table main-table in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "main" {
  # ForceNew: changing name or hash_key makes Terraform replace the table (a new, empty table).
  name         = "main-table"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  tags = {
    Environment = "production"
    Name        = "Main DynamoDB Table"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/main"
  }
}

import {
  to = aws_dynamodb_table.main
  id = "main-table"
}
