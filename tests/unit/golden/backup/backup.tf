# DynamoTable default/backup -> DynamoDB table backup-table in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "backup" {
  # ForceNew: changing name or hash_key makes Terraform replace the table (a new, empty table).
  name         = "backup-table"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  tags = {
    Environment = "production"
    Name        = "Backup DynamoDB Table"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/backup"
  }
}

import {
  to = aws_dynamodb_table.backup
  id = "backup-table"
}
