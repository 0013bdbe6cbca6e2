# DynamoTable default/encrypted -> DynamoDB table encrypted-table in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "encrypted" {
  # ForceNew: changing name or hash_key makes Terraform replace the table (a new, empty table).
  name         = "encrypted-table"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/0987dcba-09fe-87dc-65ba-ab0987654321"
  }

  tags = {
    Environment = "production"
    Name        = "Encrypted DynamoDB Table"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/encrypted"
  }
}

import {
  to = aws_dynamodb_table.encrypted
  id = "encrypted-table"
}
