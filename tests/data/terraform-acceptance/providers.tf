# The local endpoint stands in for AWS: `dynamotable local --port 4566`, then
#   terraform init && terraform apply -var endpoint=http://127.0.0.1:4566
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 6.0"
    }
  }
}

variable "endpoint" {
  description = "URL of the local DynamoDB endpoint (it serves KMS and STS too)."
  type        = string
  default     = "http://127.0.0.1:4566"
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true

  endpoints {
    dynamodb = var.endpoint
    kms      = var.endpoint
    sts      = var.endpoint
  }

  # The operator's ownership tag is the operator's, not part of these configurations.
  ignore_tags {
    keys = ["dynamotable.io/owner"]
  }
}
