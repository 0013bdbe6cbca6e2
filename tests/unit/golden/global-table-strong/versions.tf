# Providers for the DynamoDB tables rendered by dynamotable-operator.
terraform {
  required_version = ">= 1.5"

  required_providers {
    # AWS provider 6 is needed for replica consistency_mode and global_table_witness (STRONG consistency, A13.2).
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}
