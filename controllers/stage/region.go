package stage

import "github.com/flaskops/flask-operator/api/v1alpha1"

// Region is the AWS region a FlaskDeployment's resources live in. The orchestrator fixes
// it in status at the first reconcile, so a later change of the operator's default region
// cannot orphan resources.
func Region(fd *v1alpha1.FlaskDeployment) string {
	if fd.Status.Region != "" {
		return fd.Status.Region
	}
	return fd.Spec.Region
}
