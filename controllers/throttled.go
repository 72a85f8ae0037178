package controllers

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// reportThrottled says in Reconciling why an unfinished pass went slowly: the operator's
// AWS request budget held a call back (the longest wait is named), or AWS throttled a
// call past its retries. A Ready or Stalled object has no Reconciling to say it in.
func reportThrottled(ctx context.Context, fd *v1alpha1.FlaskDeployment, s summary) {
	c := meta.FindStatusCondition(fd.Status.Conditions, v1alpha1.ConditionReconciling)
	if c == nil || s.stalled != nil {
		return
	}
	var why string
	switch h, held := cloud.HeldBack(ctx); {
	case held:
		why = h.String()
	case cloud.IsThrottled(s.retriable):
		why = "AWS throttled calls past their retries"
	default:
		return
	}
	setReconciling(fd, v1alpha1.ReasonThrottled, why+"; "+c.Message)
}
