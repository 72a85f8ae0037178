package stagetest

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
)

// RecordCondition sets a stage's condition from its Result the way the reconciler does,
// for tests that drive a stage on its own: stages tell drift from an unfinished set-up by
// whether their condition was already True.
func RecordCondition(fd *v1alpha1.FlaskDeployment, conditionType string, res stage.Result) {
	status := metav1.ConditionFalse
	if res.Done {
		status = metav1.ConditionTrue
	}
	meta.SetStatusCondition(&fd.Status.Conditions, metav1.Condition{
		Type: conditionType, Status: status, Reason: res.Reason, Message: res.Message,
		ObservedGeneration: fd.Generation,
	})
}
