package stage

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// RepairRoleBoundary gives a role of the object's the permissions boundary want when it
// has none or another one: a role created before the manager was given its boundary, or
// whose boundary was changed behind the operator's back. It runs before any policy is put
// into the role, as the operator's own policy lets it put policies only into roles its
// boundary caps. A role whose tags do not prove it the object's (seen under Observe) and
// want "" leave roles as they are.
func (j *Journal) RepairRoleBoundary(ctx context.Context, c cloud.RoleBoundaryAPI, role *iamtypes.Role, want string) error {
	have := cloud.RoleBoundary(role)
	if want == "" || have == want || !j.owner.Owns(cloud.FromIAM(role.Tags)) {
		return nil
	}
	name := aws.ToString(role.RoleName)
	was := "no permissions boundary"
	if have != "" {
		was = "permissions boundary " + have
	}
	if !j.MayWrite(false, "role %s has %s, not %s", name, was, want) {
		return nil
	}
	if _, err := c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{
		RoleName: role.RoleName, PermissionsBoundary: aws.String(want),
	}); err != nil {
		return BoundaryError("set the permissions boundary of role "+name, want, err)
	}
	role.PermissionsBoundary = &iamtypes.AttachedPermissionsBoundary{PermissionsBoundaryArn: aws.String(want),
		PermissionsBoundaryType: iamtypes.PermissionsBoundaryAttachmentTypePolicy}
	j.Drift(ctx, "role %s had %s; set to %s", name, was, want)
	return nil
}

// BoundaryError wraps the error of a call that gave a role the permissions boundary
// (what: "create role x"). IAM answers NoSuchEntity when that managed policy does not
// exist: only an administrator can create it, so the object is Stalled naming it.
func BoundaryError(what, boundary string, err error) error {
	err = fmt.Errorf("%s: %w", what, err)
	if boundary == "" || !cloud.IsNotFound(err) {
		return err
	}
	return Terminal(v1alpha1.ReasonNotFound, fmt.Errorf(
		"%w (the permissions boundary %s must exist before the operator creates roles: an administrator creates it at install from config/iam/permissions-boundary.json)", err, boundary))
}

// DeleteRole deletes a role found by name (nil: there is none) once its tags prove it the
// object's; one they do not is left in place (Deletable). Its inline and attached policies
// go first, as IAM refuses to delete a role that has any. It reports whether the role is
// gone or left; a policy put on it after the listing makes IAM refuse again, which is a
// wait of poll for the next pass. id names the role in the log and the event.
func (j *Journal) DeleteRole(ctx context.Context, c cloud.RoleDeleteAPI, k Kind, id string, role *iamtypes.Role, poll time.Duration) (bool, error) {
	if role == nil || !j.Deletable(ctx, k, id, cloud.FromIAM(role.Tags)) {
		return true, nil
	}
	name := aws.ToString(role.RoleName)
	if err := emptyRole(ctx, c, name); err != nil {
		return false, err
	}
	_, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: role.RoleName})
	switch {
	case err == nil:
		j.Deleted(ctx, k, id)
	case cloud.IsNotFound(err):
	case cloud.IsDependencyViolation(err):
		j.WaitFor(v1alpha1.ReasonWaitingForDeletion, poll, "role %s still has policies", name)
		return false, nil
	default:
		return false, fmt.Errorf("delete role %s: %w", name, err)
	}
	return true, nil
}

// emptyRole deletes the role's inline policies and detaches its managed ones. Each list is
// read whole before anything is taken off, so that no page is skipped.
func emptyRole(ctx context.Context, c cloud.RoleDeleteAPI, name string) error {
	var inline []string
	pages := iam.NewListRolePoliciesPaginator(c, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list inline policies of role %s: %w", name, err)
		}
		inline = append(inline, out.PolicyNames...)
	}
	for _, pol := range inline {
		if _, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(pol)}); err != nil && !cloud.IsNotFound(err) {
			return fmt.Errorf("delete policy %s of role %s: %w", pol, name, err)
		}
	}
	var attached []iamtypes.AttachedPolicy
	attachedPages := iam.NewListAttachedRolePoliciesPaginator(c, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	for attachedPages.HasMorePages() {
		out, err := attachedPages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list policies attached to role %s: %w", name, err)
		}
		attached = append(attached, out.AttachedPolicies...)
	}
	for _, pol := range attached {
		if _, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(name), PolicyArn: pol.PolicyArn}); err != nil && !cloud.IsNotFound(err) {
			return fmt.Errorf("detach policy %s from role %s: %w", aws.ToString(pol.PolicyArn), name, err)
		}
	}
	return nil
}
