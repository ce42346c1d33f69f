variable "github_owner" {
  type    = string
  default = "octo-org"
}

variable "github_owner_id" {
  type        = string
  description = "Numeric id of the owner (gh api repos/OWNER/REPO --jq .owner.id)"

  validation {
    condition     = can(regex("^[0-9]+$", var.github_owner_id))
    error_message = "github_owner_id must be the numeric owner id."
  }
}

variable "github_repo" {
  type    = string
  default = "octo-app"
}

variable "github_repo_id" {
  type        = string
  description = "Numeric id of the repository (gh api repos/OWNER/REPO --jq .id)"

  validation {
    condition     = can(regex("^[0-9]+$", var.github_repo_id))
    error_message = "github_repo_id must be the numeric repository id."
  }
}

variable "github_environment" {
  type    = string
  default = "production"
}

variable "oidc_provider_arn" {
  type        = string
  default     = ""
  description = "ARN of an existing token.actions.githubusercontent.com provider; empty to create one"
}

variable "name_prefix" {
  type    = string
  default = "octo-app"
}

variable "job_actions" {
  type        = list(string)
  default     = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]
  description = "What the job role may do. Both its permissions policy and its permissions boundary allow exactly these actions."

  validation {
    condition     = length(var.job_actions) > 0 && alltrue([for a in var.job_actions : a != "*" && !startswith(a, "iam:") && !startswith(a, "sts:")])
    error_message = "job_actions must not be \"*\" and must not include iam or sts actions: the permissions boundary must cap the job role."
  }
}

variable "job_resources" {
  type        = list(string)
  default     = ["arn:aws:s3:::octo-artifacts", "arn:aws:s3:::octo-artifacts/*"]
  description = "The resources job_actions apply to (ARNs)."
}

variable "revocation_list_count" {
  type        = number
  default     = 8
  description = "Deny-only revocation lists attached to the job role. A role has 10 managed-policy slots by default (20 with a quota increase)."

  validation {
    condition     = var.revocation_list_count >= 1 && var.revocation_list_count <= 20 && floor(var.revocation_list_count) == var.revocation_list_count
    error_message = "revocation_list_count must be a whole number from 1 to 20."
  }
}
