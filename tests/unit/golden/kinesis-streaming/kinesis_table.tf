# DynamoTable default/kinesis-table -> DynamoDB table kinesis-table in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "kinesis_table" {
  # ForceNew: changing name or hash_key makes Terraform replace the table (a new, empty table).
  name         = "kinesis-table"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "orderId"

  attribute {
    name = "orderId"
    type = "S"
  }

  tags = {
    Environment = "production"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/kinesis-table"
  }
}

import {
  to = aws_dynamodb_table.kinesis_table
  id = "kinesis-table"
}

# ForceNew: changing stream_arn or the precision makes Terraform disable and enable the destination.
resource "aws_dynamodb_kinesis_streaming_destination" "kinesis_table" {
  table_name                               = aws_dynamodb_table.kinesis_table.name
  stream_arn                               = "arn:aws:kinesis:us-east-1:123456789012:stream/order-changes"
  approximate_creation_date_time_precision = "MICROSECOND"
}

import {
  to = aws_dynamodb_kinesis_streaming_destination.kinesis_table
  id = "kinesis-table,arn:aws:kinesis:us-east-1:123456789012:stream/order-changes"
}
