package testenv

import (
	"context"
	"time"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

// Object is a FlaskDeployment under test, read and changed through the API server the
// way a user would. Its waits use Gomega's default Eventually timeout and polling
// interval, which each suite sets.
type Object struct {
	// FD is the object as the spec built it; Get reads what the API server holds.
	FD  *v1alpha1.FlaskDeployment
	env *Env
	ctx context.Context
}

// Object wraps fd, which is not created yet.
func (e *Env) Object(ctx context.Context, fd *v1alpha1.FlaskDeployment) *Object {
	return &Object{FD: fd, env: e, ctx: ctx}
}

// Create creates the object.
func (o *Object) Create() {
	ExpectWithOffset(1, o.env.Client.Create(o.ctx, o.FD)).To(Succeed())
}

// Get reads the object as the API server holds it now.
func (o *Object) Get() *v1alpha1.FlaskDeployment {
	out := &v1alpha1.FlaskDeployment{}
	ExpectWithOffset(1, o.env.Client.Get(o.ctx, client.ObjectKeyFromObject(o.FD), out)).To(Succeed())
	return out
}

// Condition returns the condition of type t, or a zero condition when there is none.
func (o *Object) Condition(t string) metav1.Condition {
	if c := meta.FindStatusCondition(o.Get().Status.Conditions, t); c != nil {
		return *c
	}
	return metav1.Condition{}
}

// Update applies mutate to the latest object, retrying on conflicts with status writes.
func (o *Object) Update(mutate func(*v1alpha1.FlaskDeployment)) {
	EventuallyWithOffset(1, func() error {
		cur := o.Get()
		mutate(cur)
		return o.env.Client.Update(o.ctx, cur)
	}).Should(Succeed())
}

// Nudge changes an annotation, which makes the reconciler look again (also when Stalled).
func (o *Object) Nudge() {
	cur := o.Get()
	patch := client.MergeFrom(cur.DeepCopy())
	if cur.Annotations == nil {
		cur.Annotations = map[string]string{}
	}
	cur.Annotations["test/nudge"] = time.Now().Format(time.RFC3339Nano)
	ExpectWithOffset(1, o.env.Client.Patch(o.ctx, cur, patch)).To(Succeed())
}

// DeleteAndWait deletes the object and waits until the finalizer has let it go.
func (o *Object) DeleteAndWait() {
	ExpectWithOffset(1, o.env.Client.Delete(o.ctx, o.Get())).To(Succeed())
	EventuallyWithOffset(1, func() bool {
		err := o.env.Client.Get(o.ctx, client.ObjectKeyFromObject(o.FD), &v1alpha1.FlaskDeployment{})
		return apierrors.IsNotFound(err)
	}).Should(BeTrue())
}

// Events lists the events recorded about the object.
func (o *Object) Events() []eventsv1.Event {
	list := &eventsv1.EventList{}
	ExpectWithOffset(1, o.env.Client.List(o.ctx, list, client.InNamespace(o.FD.Namespace))).To(Succeed())
	var out []eventsv1.Event
	for _, ev := range list.Items {
		if ev.Regarding.Name == o.FD.Name {
			out = append(out, ev)
		}
	}
	return out
}

// EventNotes lists "<reason>: <note>" of the events recorded about the object.
func (o *Object) EventNotes() []string {
	var out []string
	for _, ev := range o.Events() {
		out = append(out, ev.Reason+": "+ev.Note)
	}
	return out
}
