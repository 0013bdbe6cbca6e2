"""dynamotable-operator: DynamoDB tables as Kubernetes resources, with Terraform for audit."""

__version__ = "0.1.0"
