package ecs_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
)

// A rollout the circuit breaker rolls back is reported once and never deployed again for
// the same spec: over an hour of resyncs the stage sends exactly one UpdateService, the
// service keeps running the previous revision, and a fixed image rolls forward.
func TestRolledBackDeploymentIsNotReissued(t *testing.T) {
	tests := []struct {
		name string
		// breakImage returns an image whose rollout fails.
		breakImage func(r *rig, fd *v1alpha1.FlaskDeployment) string
		wantReason string
	}{
		{
			name: "tasks fail their load balancer health checks",
			breakImage: func(r *rig, _ *v1alpha1.FlaskDeployment) string {
				img := "public.ecr.aws/docker/library/python:3.13-broken"
				r.sim.SetImageHealth(img, false)
				return img
			},
			wantReason: "Task failed ELB health checks",
		},
		{
			name: "image missing from ECR",
			breakImage: func(r *rig, fd *v1alpha1.FlaskDeployment) string {
				return r.repository(fd, "shop-rollback") + ":nope"
			},
			wantReason: "CannotPullContainerError",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fd := newFD("shop", "rollback")
			r := converged(t, fd)
			good := fd.Status.Service.TaskDefinitionARN

			bad := tt.breakImage(r, fd)
			fd.Spec.Service.Image = bad
			fd.Generation++
			updates := r.sim.CallCount("ecs", "UpdateService")
			var err error
			var failedAt time.Time
			for start := r.clock.Now(); r.clock.Now().Sub(start) < time.Hour; r.clock.Advance(time.Minute) {
				_, err = r.pass(fd)
				if err != nil && failedAt.IsZero() {
					failedAt = r.clock.Now()
				}
				if term, ok := stage.AsTerminal(err); err != nil && (!ok || term.Reason != v1alpha1.ReasonDeploymentFailed) {
					t.Fatalf("pass at %s: %v, want nil or terminal %s", r.clock.Now(), err, v1alpha1.ReasonDeploymentFailed)
				}
			}
			if failedAt.IsZero() {
				t.Fatalf("the rollout of %s never failed", bad)
			}
			st := fd.Status.Service
			for _, want := range []string{revisionOf(st.TaskDefinitionARN), "image " + bad, tt.wantReason, "rolled the service back to " + revisionOf(good)} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message lacks %q: %s", want, err)
				}
			}
			if n := r.sim.CallCount("ecs", "UpdateService") - updates; n != 1 {
				t.Errorf("%d UpdateService calls over an hour after the bad image, want exactly the one that deployed it", n)
			}
			if f := st.FailedDeployment; f == nil || f.TaskDefinitionARN != st.TaskDefinitionARN || f.Image != bad || f.Generation != fd.Generation {
				t.Errorf("status.service.failedDeployment = %+v, want revision %s, image %s, generation %d", f, st.TaskDefinitionARN, bad, fd.Generation)
			}
			svc := r.service(fd)
			if aws.ToString(svc.TaskDefinition) != good || svc.RunningCount != 2 || len(svc.Deployments) != 1 {
				t.Errorf("service runs %s with %d tasks in %d deployments, want the previous revision %s with 2",
					aws.ToString(svc.TaskDefinition), svc.RunningCount, len(svc.Deployments), good)
			}
			if dr := fd.Status.DeployedRevision; dr == nil || dr.TaskDefinitionARN != good {
				t.Errorf("deployed revision %+v, want still %s", dr, good)
			}

			// Another spec change that keeps the image deploys it once more, and records
			// that failure for the new generation.
			fd.Spec.Service.LogRetentionDays = 14
			fd.Generation++
			updates = r.sim.CallCount("ecs", "UpdateService")
			for range 30 {
				if _, err = r.pass(fd); err != nil {
					break
				}
				r.clock.Advance(time.Minute)
			}
			if term, ok := stage.AsTerminal(err); !ok || term.Reason != v1alpha1.ReasonDeploymentFailed {
				t.Fatalf("after a spec change keeping the bad image: %v, want it to fail again", err)
			}
			if n := r.sim.CallCount("ecs", "UpdateService") - updates; n != 1 {
				t.Errorf("%d UpdateService calls after the spec change, want the one retry", n)
			}
			if f := fd.Status.Service.FailedDeployment; f == nil || f.Generation != fd.Generation {
				t.Errorf("failed deployment %+v, want generation %d", f, fd.Generation)
			}

			fixed := "public.ecr.aws/docker/library/python:3.13-slim"
			fd.Spec.Service.Image = fixed
			fd.Generation++
			r.converge(fd)
			st = fd.Status.Service
			if st.FailedDeployment != nil {
				t.Errorf("failed deployment still recorded after the fix: %+v", st.FailedDeployment)
			}
			if svc := r.service(fd); aws.ToString(svc.TaskDefinition) != st.TaskDefinitionARN || image(r.taskDefinition(st.TaskDefinitionARN)) != fixed {
				t.Errorf("service runs %s, want the fixed image's revision %s", aws.ToString(svc.TaskDefinition), st.TaskDefinitionARN)
			}
			if dr := fd.Status.DeployedRevision; dr == nil || dr.Image != fixed {
				t.Errorf("deployed revision %+v, want image %s", dr, fixed)
			}
		})
	}
}
