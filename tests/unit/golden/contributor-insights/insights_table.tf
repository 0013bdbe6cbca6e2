# DynamoTable default/insights-table -> DynamoDB table insights-table in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "insights_table" {
  # ForceNew: changing name or hash_key makes Terraform replace the table (a new, empty table).
  name         = "insights-table"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "customerId"

  attribute {
    name = "customerId"
    type = "S"
  }

  attribute {
    name = "sku"
    type = "S"
  }

  # Changing hash_key, range_key, projection_type or non_key_attributes recreates this index.
  global_secondary_index {
    name            = "SkuIndex"
    hash_key        = "sku"
    projection_type = "KEYS_ONLY"
  }

  tags = {
    Environment = "production"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/insights-table"
  }
}

import {
  to = aws_dynamodb_table.insights_table
  id = "insights-table"
}

data "aws_caller_identity" "insights_table" {}

# Contributor insights of the table.
resource "aws_dynamodb_contributor_insights" "insights_table" {
  table_name = aws_dynamodb_table.insights_table.name
}

import {
  to = aws_dynamodb_contributor_insights.insights_table
  id = "name:insights-table/index:/${data.aws_caller_identity.insights_table.account_id}"
}

# Contributor insights of GSI SkuIndex.
resource "aws_dynamodb_contributor_insights" "insights_table_SkuIndex" {
  table_name = aws_dynamodb_table.insights_table.name
  index_name = "SkuIndex"
}

import {
  to = aws_dynamodb_contributor_insights.insights_table_SkuIndex
  id = "name:insights-table/index:SkuIndex/${data.aws_caller_identity.insights_table.account_id}"
}
