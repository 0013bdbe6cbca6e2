# DynamoTable default/shared -> DynamoDB table shared-table in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "shared" {
  # ForceNew: changing name or hash_key makes Terraform replace the table (a new, empty table).
  name         = "shared-table"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  tags = {
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/shared"
  }
}

import {
  to = aws_dynamodb_table.shared
  id = "shared-table"
}

data "aws_partition" "shared" {}

data "aws_caller_identity" "shared" {}

resource "aws_dynamodb_resource_policy" "shared" {
  resource_arn = aws_dynamodb_table.shared.arn
  policy       = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"ReadForReporting\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:role/reader\"},\"Action\":[\"dynamodb:GetItem\",\"dynamodb:Query\",\"dynamodb:Scan\"],\"Resource\":[\"arn:aws:dynamodb:us-east-1:123456789012:table/shared-table\",\"arn:aws:dynamodb:us-east-1:123456789012:table/shared-table/index/*\"]}]}"
}

import {
  to = aws_dynamodb_resource_policy.shared
  id = "arn:${data.aws_partition.shared.partition}:dynamodb:us-east-1:${data.aws_caller_identity.shared.account_id}:table/shared-table"
}
