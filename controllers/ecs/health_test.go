package ecs_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

// The service is ready only when the app answers: every target healthy. Health check
// settings, the grace period and the deregistration delay come from the spec, and a change
// of them is applied as a change.
func TestServiceReadyOnlyWhenTargetsAreHealthy(t *testing.T) {
	fd := newFD("shop", "health")
	r := converged(t, fd)
	// ECS leaves failing tasks alone that long from their start. Set once they run: a
	// rollout completes only after it, as ECS ignores health checks until then.
	grace := int32(900)
	fd.Spec.Service.HealthCheckGracePeriodSeconds = &grace
	fd.Generation++
	r.converge(fd)
	st := fd.Status.Service
	svc := r.service(fd)
	if aws.ToInt32(svc.HealthCheckGracePeriodSeconds) != grace {
		t.Errorf("service health check grace period %d, want %d", aws.ToInt32(svc.HealthCheckGracePeriodSeconds), grace)
	}
	tg := describeTG(t, r, st.TargetGroupARN)
	if aws.ToInt32(tg.HealthCheckIntervalSeconds) != 30 || aws.ToInt32(tg.HealthCheckTimeoutSeconds) != 5 ||
		aws.ToInt32(tg.HealthyThresholdCount) != 5 || aws.ToInt32(tg.UnhealthyThresholdCount) != 2 {
		t.Errorf("target group health check %+v", tg)
	}
	if got := deregistrationDelay(t, r, st.TargetGroupARN); got != "30" {
		t.Errorf("deregistration delay %s, want the spec's 30", got)
	}

	r.sim.SetImageHealth(fd.Spec.Service.Image, false)
	r.clock.Advance(2 * time.Minute) // two failed checks 30 s apart
	res, err := r.pass(fd)
	if err != nil || res.Done || res.Reason != v1alpha1.ReasonWaitingForDeployment || !strings.Contains(res.Message, "0/2 targets healthy") {
		t.Fatalf("with the app failing its health checks: %+v %v, want a wait for 0/2 targets healthy", res, err)
	}
	r.sim.SetImageHealth(fd.Spec.Service.Image, true)
	r.clock.Advance(time.Minute)
	if res, err = r.pass(fd); err != nil || res.Done {
		t.Fatalf("two checks after the app recovered: %+v %v, want still waiting (healthy after 5)", res, err)
	}
	r.clock.Advance(2 * time.Minute)
	if res, err = r.pass(fd); err != nil || !res.Done {
		t.Fatalf("five checks after the app recovered: %+v %v, want ready", res, err)
	}

	// Faster checks and a longer delay, as a spec change.
	fd.Spec.Service.HealthCheckIntervalSeconds, fd.Spec.Service.HealthyThresholdCount = 10, 3
	delay := int32(120)
	fd.Spec.Service.LoadBalancer.DeregistrationDelaySeconds = &delay
	grace = 30
	fd.Generation++
	r.converge(fd)
	tg = describeTG(t, r, st.TargetGroupARN)
	if aws.ToInt32(tg.HealthCheckIntervalSeconds) != 10 || aws.ToInt32(tg.HealthyThresholdCount) != 3 {
		t.Errorf("health check every %ds healthy after %d, want 10 and 3", aws.ToInt32(tg.HealthCheckIntervalSeconds), aws.ToInt32(tg.HealthyThresholdCount))
	}
	if got := deregistrationDelay(t, r, st.TargetGroupARN); got != "120" {
		t.Errorf("deregistration delay %s, want 120", got)
	}
	if got := aws.ToInt32(r.service(fd).HealthCheckGracePeriodSeconds); got != 30 {
		t.Errorf("grace period %d, want 30", got)
	}
	if d := ecsDrift(fd); d != nil {
		t.Errorf("a spec change reported as drift: %q", d)
	}

	// The grace period changed in the console is put back.
	if _, err := r.clients.ECS(region).UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String(st.ClusterARN), Service: aws.String(st.ServiceARN),
		HealthCheckGracePeriodSeconds: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	r.converge(fd)
	if got := aws.ToInt32(r.service(fd).HealthCheckGracePeriodSeconds); got != 30 {
		t.Errorf("grace period %d after the repair, want 30", got)
	}
	if d := strings.Join(ecsDrift(fd), "\n"); !strings.Contains(d, "health check grace period 0s set to 30s") {
		t.Errorf("drift %q", d)
	}
}
