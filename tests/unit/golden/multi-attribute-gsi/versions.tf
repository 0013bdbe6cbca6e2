# Providers for the DynamoDB tables rendered by dynamotable-operator.
terraform {
  required_version = ">= 1.5"

  required_providers {
    # AWS provider 6.29 or later is needed for multi-attribute GSI keys.
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.29, < 7.0"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}
