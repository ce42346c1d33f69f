output "role_to_assume" {
  description = "role-to-assume"
  value       = aws_iam_role.job.arn
}

output "revocation_role_to_assume" {
  description = "revocation-role-to-assume"
  value       = aws_iam_role.revoker.arn
}

output "revocation_policy_arn" {
  description = "revocation-policy-arn (one ARN per line)"
  value       = join("\n", aws_iam_policy.revocation_list[*].arn)
}
