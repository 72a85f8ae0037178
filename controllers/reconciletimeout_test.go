package controllers

import (
	"context"
	"errors"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
)

// hangingStage stands for a stage whose AWS call never returns: it waits for its context.
type hangingStage struct{ namedStage }

func (hangingStage) Reconcile(ctx context.Context, _ *v1alpha1.FlaskDeployment) (stage.Result, error) {
	<-ctx.Done()
	return stage.Result{}, ctx.Err()
}

func TestReconcileTimeoutReleasesTheWorker(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "mane", Generation: 1}}
	// Like the API server, the client refuses a request whose context has ended.
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(fd).WithStatusSubresource(fd).
		WithInterceptorFuncs(interceptor.Funcs{
			SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				return c.SubResource(sub).Patch(ctx, obj, p, opts...)
			},
		}).Build()
	r := &FlaskDeploymentReconciler{
		Client:           c,
		Stages:           []stage.Stage{hangingStage{networkStage}},
		DefaultRegion:    "us-east-1",
		ResyncPeriod:     time.Hour,
		ReconcileTimeout: 50 * time.Millisecond,
	}

	done := make(chan error, 1)
	go func() {
		_, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: types.NamespacedName{Namespace: "default", Name: "mane"}})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the pass's deadline, to be retried with backoff", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Reconcile still blocked on the hanging stage: the timeout does not bound a pass")
	}

	// The status patch after the timed-out work still went through: the region is fixed.
	got := &v1alpha1.FlaskDeployment{}
	if err := c.Get(context.Background(), types.NamespacedName{Namespace: "default", Name: "mane"}, got); err != nil {
		t.Fatal(err)
	}
	if got.Status.Region != "us-east-1" {
		t.Errorf("status.region = %q, want us-east-1 written after the timed-out pass", got.Status.Region)
	}
}
