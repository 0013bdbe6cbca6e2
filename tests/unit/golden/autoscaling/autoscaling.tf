# DynamoTable default/autoscaling -> DynamoDB table autoscaling-table in us-east-1, rendered by dynamotable-operator.
# The import block adopts the existing table: `terraform apply` takes it over without recreating it.
resource "aws_dynamodb_table" "autoscaling" {
  # ForceNew: changing name or hash_key makes Terraform replace the table (a new, empty table).
  name           = "autoscaling-table"
  billing_mode   = "PROVISIONED"
  read_capacity  = 5
  write_capacity = 5
  hash_key       = "id"

  attribute {
    name = "id"
    type = "S"
  }

  attribute {
    name = "category"
    type = "S"
  }

  # Changing hash_key, range_key, projection_type or non_key_attributes recreates this index.
  global_secondary_index {
    name            = "CategoryIndex"
    hash_key        = "category"
    projection_type = "ALL"
    read_capacity   = 5
    write_capacity  = 5
  }

  tags = {
    Environment = "production"
    Name        = "Auto-scaled DynamoDB Table"
    # Ownership tag of dynamotable-operator: it only manages tables that carry it.
    "dynamotable.io/owner" = "default/autoscaling"
  }

  lifecycle {
    # spec.autoScaling: Application Auto Scaling sets the auto-scaled capacity within min..max.
    ignore_changes = [
      read_capacity,
      write_capacity,
      # Terraform cannot ignore one attribute inside a set block: auto scaling sets an index's capacity,
      # so every change to the global secondary indexes is ignored.
      global_secondary_index,
    ]
  }
}

import {
  to = aws_dynamodb_table.autoscaling
  id = "autoscaling-table"
}

# Auto scaling of the read capacity of the table.
resource "aws_appautoscaling_target" "autoscaling_table_read" {
  service_namespace  = "dynamodb"
  resource_id        = "table/autoscaling-table"
  scalable_dimension = "dynamodb:table:ReadCapacityUnits"
  min_capacity       = 5
  max_capacity       = 100
}

import {
  to = aws_appautoscaling_target.autoscaling_table_read
  id = "dynamodb/table/autoscaling-table/dynamodb:table:ReadCapacityUnits"
}

resource "aws_appautoscaling_policy" "autoscaling_table_read" {
  name               = "dynamotable-read-target-tracking"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.autoscaling_table_read.service_namespace
  resource_id        = aws_appautoscaling_target.autoscaling_table_read.resource_id
  scalable_dimension = aws_appautoscaling_target.autoscaling_table_read.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = 70
    scale_in_cooldown  = 0
    scale_out_cooldown = 0

    predefined_metric_specification {
      predefined_metric_type = "DynamoDBReadCapacityUtilization"
    }
  }
}

import {
  to = aws_appautoscaling_policy.autoscaling_table_read
  id = "dynamodb/table/autoscaling-table/dynamodb:table:ReadCapacityUnits/dynamotable-read-target-tracking"
}

# Auto scaling of the write capacity of the table.
resource "aws_appautoscaling_target" "autoscaling_table_write" {
  service_namespace  = "dynamodb"
  resource_id        = "table/autoscaling-table"
  scalable_dimension = "dynamodb:table:WriteCapacityUnits"
  min_capacity       = 5
  max_capacity       = 50
}

import {
  to = aws_appautoscaling_target.autoscaling_table_write
  id = "dynamodb/table/autoscaling-table/dynamodb:table:WriteCapacityUnits"
}

resource "aws_appautoscaling_policy" "autoscaling_table_write" {
  name               = "dynamotable-write-target-tracking"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.autoscaling_table_write.service_namespace
  resource_id        = aws_appautoscaling_target.autoscaling_table_write.resource_id
  scalable_dimension = aws_appautoscaling_target.autoscaling_table_write.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = 70
    scale_in_cooldown  = 60
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "DynamoDBWriteCapacityUtilization"
    }
  }
}

import {
  to = aws_appautoscaling_policy.autoscaling_table_write
  id = "dynamodb/table/autoscaling-table/dynamodb:table:WriteCapacityUnits/dynamotable-write-target-tracking"
}

# Auto scaling of the read capacity of GSI CategoryIndex.
resource "aws_appautoscaling_target" "autoscaling_index_CategoryIndex_read" {
  service_namespace  = "dynamodb"
  resource_id        = "table/autoscaling-table/index/CategoryIndex"
  scalable_dimension = "dynamodb:index:ReadCapacityUnits"
  min_capacity       = 5
  max_capacity       = 40
}

import {
  to = aws_appautoscaling_target.autoscaling_index_CategoryIndex_read
  id = "dynamodb/table/autoscaling-table/index/CategoryIndex/dynamodb:index:ReadCapacityUnits"
}

resource "aws_appautoscaling_policy" "autoscaling_index_CategoryIndex_read" {
  name               = "dynamotable-read-target-tracking"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.autoscaling_index_CategoryIndex_read.service_namespace
  resource_id        = aws_appautoscaling_target.autoscaling_index_CategoryIndex_read.resource_id
  scalable_dimension = aws_appautoscaling_target.autoscaling_index_CategoryIndex_read.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = 60
    scale_in_cooldown  = 0
    scale_out_cooldown = 0

    predefined_metric_specification {
      predefined_metric_type = "DynamoDBReadCapacityUtilization"
    }
  }
}

import {
  to = aws_appautoscaling_policy.autoscaling_index_CategoryIndex_read
  id = "dynamodb/table/autoscaling-table/index/CategoryIndex/dynamodb:index:ReadCapacityUnits/dynamotable-read-target-tracking"
}

# Auto scaling of the write capacity of GSI CategoryIndex.
resource "aws_appautoscaling_target" "autoscaling_index_CategoryIndex_write" {
  service_namespace  = "dynamodb"
  resource_id        = "table/autoscaling-table/index/CategoryIndex"
  scalable_dimension = "dynamodb:index:WriteCapacityUnits"
  min_capacity       = 5
  max_capacity       = 20
}

import {
  to = aws_appautoscaling_target.autoscaling_index_CategoryIndex_write
  id = "dynamodb/table/autoscaling-table/index/CategoryIndex/dynamodb:index:WriteCapacityUnits"
}

resource "aws_appautoscaling_policy" "autoscaling_index_CategoryIndex_write" {
  name               = "dynamotable-write-target-tracking"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.autoscaling_index_CategoryIndex_write.service_namespace
  resource_id        = aws_appautoscaling_target.autoscaling_index_CategoryIndex_write.resource_id
  scalable_dimension = aws_appautoscaling_target.autoscaling_index_CategoryIndex_write.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = 50.5
    scale_in_cooldown  = 0
    scale_out_cooldown = 0

    predefined_metric_specification {
      predefined_metric_type = "DynamoDBWriteCapacityUtilization"
    }
  }
}

import {
  to = aws_appautoscaling_policy.autoscaling_index_CategoryIndex_write
  id = "dynamodb/table/autoscaling-table/index/CategoryIndex/dynamodb:index:WriteCapacityUnits/dynamotable-write-target-tracking"
}
