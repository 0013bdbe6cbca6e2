# DynamoTable default/monitored -> DynamoDB table monitored-table in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "monitored" {
  # ForceNew: changing name or hash_key makes Terraform replace the table (a new, empty table).
  name         = "monitored-table"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  attribute {
    name = "status"
    type = "S"
  }

  # Changing hash_key, range_key, projection_type or non_key_attributes recreates this index.
  global_secondary_index {
    name            = "status-index"
    hash_key        = "status"
    projection_type = "KEYS_ONLY"
  }

  tags = {
    Environment = "production"
    Name        = "Monitored DynamoDB Table"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/monitored"
  }
}

import {
  to = aws_dynamodb_table.monitored
  id = "monitored-table"
}

resource "aws_cloudwatch_metric_alarm" "monitored_read_capacity" {
  alarm_name          = "monitored-table-read-capacity"
  alarm_description   = "This metric monitors DynamoDB read capacity"
  namespace           = "AWS/DynamoDB"
  metric_name         = "ConsumedReadCapacityUnits"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 1000
  treat_missing_data  = "missing"

  dimensions = {
    TableName = "monitored-table"
  }

  tags = {
    "dynamotable.io/owner" = "default/monitored"
  }
}

import {
  to = aws_cloudwatch_metric_alarm.monitored_read_capacity
  id = "monitored-table-read-capacity"
}

resource "aws_cloudwatch_metric_alarm" "monitored_read_throttles" {
  alarm_name          = "monitored-table-read-throttles"
  alarm_description   = "This metric monitors DynamoDB read throttling"
  namespace           = "AWS/DynamoDB"
  metric_name         = "ReadThrottleEvents"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 10
  treat_missing_data  = "notBreaching"

  dimensions = {
    TableName = "monitored-table"
  }

  tags = {
    "dynamotable.io/owner" = "default/monitored"
  }
}

import {
  to = aws_cloudwatch_metric_alarm.monitored_read_throttles
  id = "monitored-table-read-throttles"
}

resource "aws_cloudwatch_metric_alarm" "monitored_write_throttles" {
  alarm_name          = "monitored-table-write-throttles"
  alarm_description   = "This metric monitors DynamoDB write throttling"
  namespace           = "AWS/DynamoDB"
  metric_name         = "WriteThrottleEvents"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 10
  treat_missing_data  = "notBreaching"

  dimensions = {
    TableName = "monitored-table"
  }

  tags = {
    "dynamotable.io/owner" = "default/monitored"
  }
}

import {
  to = aws_cloudwatch_metric_alarm.monitored_write_throttles
  id = "monitored-table-write-throttles"
}

resource "aws_cloudwatch_metric_alarm" "monitored_status_index_write_throttles" {
  alarm_name          = "monitored-table-status-index-write-throttles"
  alarm_description   = "Write throttling of the status-index GSI (its writes come from the table's)"
  namespace           = "AWS/DynamoDB"
  metric_name         = "WriteThrottleEvents"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 10
  treat_missing_data  = "notBreaching"

  dimensions = {
    TableName                = "monitored-table"
    GlobalSecondaryIndexName = "status-index"
  }

  tags = {
    "dynamotable.io/owner" = "default/monitored"
  }
}

import {
  to = aws_cloudwatch_metric_alarm.monitored_status_index_write_throttles
  id = "monitored-table-status-index-write-throttles"
}
