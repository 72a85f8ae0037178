package stage

import (
	"context"
	"fmt"

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
