package cloud

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// RoleBoundaryAPI sets a role's permissions boundary: every stage that creates roles
// repairs a boundary that is missing.
type RoleBoundaryAPI interface {
	PutRolePermissionsBoundary(ctx context.Context, in *iam.PutRolePermissionsBoundaryInput, optFns ...func(*iam.Options)) (*iam.PutRolePermissionsBoundaryOutput, error)
}

// RoleDeleteAPI deletes a role with its policies: IAM refuses to delete a role that still
// has any.
type RoleDeleteAPI interface {
	ListRolePolicies(ctx context.Context, in *iam.ListRolePoliciesInput, optFns ...func(*iam.Options)) (*iam.ListRolePoliciesOutput, error)
	DeleteRolePolicy(ctx context.Context, in *iam.DeleteRolePolicyInput, optFns ...func(*iam.Options)) (*iam.DeleteRolePolicyOutput, error)
	ListAttachedRolePolicies(ctx context.Context, in *iam.ListAttachedRolePoliciesInput, optFns ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error)
	DetachRolePolicy(ctx context.Context, in *iam.DetachRolePolicyInput, optFns ...func(*iam.Options)) (*iam.DetachRolePolicyOutput, error)
	DeleteRole(ctx context.Context, in *iam.DeleteRoleInput, optFns ...func(*iam.Options)) (*iam.DeleteRoleOutput, error)
}

var (
	_ RoleBoundaryAPI = (*iam.Client)(nil)
	_ RoleDeleteAPI   = (*iam.Client)(nil)
)

// PermissionsBoundary is CreateRole's PermissionsBoundary for arn: nil when there is none.
func PermissionsBoundary(arn string) *string {
	if arn == "" {
		return nil
	}
	return aws.String(arn)
}

// RoleBoundary is the ARN of a role's permissions boundary ("" for none), as GetRole
// returns it.
func RoleBoundary(role *iamtypes.Role) string {
	if role == nil || role.PermissionsBoundary == nil {
		return ""
	}
	return aws.ToString(role.PermissionsBoundary.PermissionsBoundaryArn)
}
