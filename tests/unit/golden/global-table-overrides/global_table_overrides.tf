# DynamoTable default/global-table-overrides -> DynamoDB table global-table-overrides in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "global_table_overrides" {
  # ForceNew: changing name or hash_key makes Terraform replace the table (a new, empty table).
  name         = "global-table-overrides"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  attribute {
    name = "category"
    type = "S"
  }

  on_demand_throughput {
    max_read_request_units = 2000
  }

  # Changing hash_key, range_key, projection_type or non_key_attributes recreates this index.
  global_secondary_index {
    name            = "ByCategory"
    hash_key        = "category"
    projection_type = "ALL"
  }

  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  # Overrides of this replica that the replica block cannot express (dynamotable-operator sets
  # them; Terraform neither reads nor changes them):
  #   tableClass STANDARD_INFREQUENT_ACCESS
  #   maxReadRequestUnitsOverride 500
  #   ByCategory maxReadRequestUnitsOverride 100
  replica {
    region_name = "us-west-2"
  }

  tags = {
    Environment = "production"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/global-table-overrides"
  }
}

import {
  to = aws_dynamodb_table.global_table_overrides
  id = "global-table-overrides"
}
