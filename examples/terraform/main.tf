# jit-credentials, revoke: deny-session, with deny-only revocation lists attached to the job role.
# See docs/iam-setup.md. The policy documents are JSON templates under policies/.

terraform {
  required_version = ">= 1.3"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100"
    }
  }
}

resource "aws_iam_openid_connect_provider" "github" {
  count          = var.oidc_provider_arn == "" ? 1 : 0
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

locals {
  oidc_provider_arn = coalesce(var.oidc_provider_arn, one(aws_iam_openid_connect_provider.github[*].arn))

  # Trust for both roles: audience and both forms of sub. Only aud and sub are used as condition keys.
  github_trust_policy = templatefile("${path.module}/policies/trust.json.tftpl", {
    oidc_provider_arn = local.oidc_provider_arn
    subjects = [
      # Classic form: pin the id with allowed-repository-ids; delete once tokens carry the immutable form.
      "repo:${var.github_owner}/${var.github_repo}:environment:${var.github_environment}",
      # Immutable form (recommended): the owner and repository ids pin the trust.
      "repo:${var.github_owner}@${var.github_owner_id}/${var.github_repo}@${var.github_repo_id}:environment:${var.github_environment}",
    ]
  })
}

# The job role's permissions boundary. It caps the role: whatever anyone writes into a revocation
# list (an Allow included), the role can do no more than this. Do not attach it to anything.
resource "aws_iam_policy" "job_boundary" {
  name        = "${var.name_prefix}-deploy-boundary"
  description = "Permissions boundary of the jit-credentials job role; caps what it may do."
  policy = templatefile("${path.module}/policies/job-boundary.json.tftpl", {
    actions   = var.job_actions
    resources = var.job_resources
  })
}

# The revocation lists. Each is created with a Deny that matches no session (IAM needs at least one
# statement); the action owns the documents from then on.
resource "aws_iam_policy" "revocation_list" {
  count       = var.revocation_list_count
  name        = "${var.name_prefix}-jit-revocations-${count.index + 1}"
  description = "jit-credentials revocation list; deny-only, attached to the job role only."
  policy      = templatefile("${path.module}/policies/revocation-list.json.tftpl", {})

  lifecycle {
    ignore_changes  = [policy]
    prevent_destroy = true
  }
}

resource "aws_iam_role" "job" {
  name                 = "${var.name_prefix}-deploy"
  assume_role_policy   = local.github_trust_policy
  permissions_boundary = aws_iam_policy.job_boundary.arn
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "job" {
  name = "deploy"
  role = aws_iam_role.job.id
  policy = templatefile("${path.module}/policies/job-permissions.json.tftpl", {
    actions   = var.job_actions
    resources = var.job_resources
  })
}

# The revocation lists, attached to the job role only. They hold Deny statements only.
resource "aws_iam_role_policy_attachment" "revocation_list" {
  count      = var.revocation_list_count
  role       = aws_iam_role.job.name
  policy_arn = aws_iam_policy.revocation_list[count.index].arn
}

# No permissions_boundary and no attached policies: this role is bound by nothing it edits.
resource "aws_iam_role" "revoker" {
  name               = "${var.name_prefix}-jit-revoker"
  assume_role_policy = local.github_trust_policy
}

resource "aws_iam_role_policy" "revoker" {
  name = "edit-revocation-lists"
  role = aws_iam_role.revoker.id
  policy = templatefile("${path.module}/policies/revoker.json.tftpl", {
    list_arns    = aws_iam_policy.revocation_list[*].arn
    job_role_arn = aws_iam_role.job.arn
    boundary_arn = aws_iam_policy.job_boundary.arn
  })
}
