package stage

import (
	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// Classify marks an AWS error that retrying cannot fix as terminal: access denied, or a
// request AWS refused as invalid. Everything else is returned as is, to be retried with
// backoff. The orchestrator applies it to every stage error, so stages return AWS errors
// wrapped with what they were doing and only mark their own terminal conditions (an
// ownership conflict, an immutable field).
func Classify(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := AsTerminal(err); ok {
		return err
	}
	switch {
	case cloud.IsUnresolvableEndpoint(err):
		return Terminal(v1alpha1.ReasonUnresolvableEndpoint, err)
	case cloud.IsAccessDenied(err):
		return Terminal(v1alpha1.ReasonAccessDenied, err)
	case cloud.IsTerminal(err):
		return Terminal(v1alpha1.ReasonAWSValidationError, err)
	}
	return err
}
